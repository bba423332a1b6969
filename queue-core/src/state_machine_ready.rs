//! The ready index: a leftist min-heap per queue, all of them in one pool of nodes allocated
//! once from `max_jobs`, keyed by `(available_slot, ready_lsn)`.
//!
//! Insert, pop-min and the removal of any node (a `Cancel` in the middle of a queue) cost
//! O(log n) in the queue's ready jobs, worst case: a leftist heap's right spine has at most
//! log2(n + 1) nodes, a meld walks two right spines, and the rank repair after a removal climbs
//! only while ranks change, each step one rank higher. Memory is `O(max_jobs + max_queues)`.
//! The std `BinaryHeap` is banned by the contract (and has no removal from the middle).

use runtime::fixed_map::FixedMap;

use crate::ids::{JobId, QueueId};

/// No node.
const NIL: u32 = u32::MAX;

/// A ready job's place in its queue: `(available_slot, ready_lsn)`, unique per job (each frame
/// readies at most one job).
pub(crate) type ReadyKey = (u64, u64);

#[derive(Clone, Copy, Debug)]
struct Node {
    key: ReadyKey,
    job: JobId,
    queue: QueueId,
    left: u32,
    right: u32,
    parent: u32,
    /// Null-path length: 1 + the rank of the right child (`NIL` has rank 0).
    rank: u32,
}

const EMPTY: Node = Node {
    key: (0, 0),
    job: JobId(0),
    queue: QueueId(0),
    left: NIL,
    right: NIL,
    parent: NIL,
    rank: 0,
};

/// Every queue's ready jobs.
#[derive(Clone, Debug)]
pub(crate) struct ReadyIndex {
    nodes: Vec<Node>,
    /// Unused node positions (a stack).
    free: Vec<u32>,
    node_of: FixedMap<JobId, u32>,
    roots: FixedMap<QueueId, u32>,
}

impl ReadyIndex {
    pub(crate) fn new(max_jobs: u32, max_queues: u32) -> Self {
        assert!(max_jobs < NIL, "node positions must fit below NIL");
        Self {
            nodes: vec![EMPTY; max_jobs as usize],
            free: (0..max_jobs).rev().collect(),
            node_of: FixedMap::new(max_jobs as usize),
            roots: FixedMap::new(max_queues as usize),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.node_of.len()
    }

    /// Node positions reserved at construction (never changes).
    pub(crate) fn allocated_nodes(&self) -> usize {
        self.nodes.capacity()
    }

    fn rank(&self, node: u32) -> u32 {
        if node == NIL {
            0
        } else {
            self.nodes[node as usize].rank
        }
    }

    /// Melds two heaps; returns the root (its parent is the caller's to set).
    fn meld(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        let (a, b) = if self.nodes[b as usize].key < self.nodes[a as usize].key {
            (b, a)
        } else {
            (a, b)
        };
        let right = self.meld(self.nodes[a as usize].right, b);
        self.nodes[right as usize].parent = a;
        self.nodes[a as usize].right = right;
        self.repair(a);
        a
    }

    /// Restores the leftist property at `node` (children already valid); returns whether its
    /// rank changed.
    fn repair(&mut self, node: u32) -> bool {
        let Node {
            left, right, rank, ..
        } = self.nodes[node as usize];
        let (left, right) = if self.rank(left) < self.rank(right) {
            (right, left)
        } else {
            (left, right)
        };
        let new_rank = self.rank(right) + 1;
        let entry = &mut self.nodes[node as usize];
        (entry.left, entry.right, entry.rank) = (left, right, new_rank);
        new_rank != rank
    }

    /// Adds `job` to `queue`'s heap. The caller guarantees the job is not in the index and
    /// that the pool has room (it holds as many nodes as the job table).
    pub(crate) fn insert(&mut self, queue: QueueId, job: JobId, key: ReadyKey) {
        let node = self
            .free
            .pop()
            .expect("the ready pool is as large as the job table");
        self.nodes[node as usize] = Node {
            key,
            job,
            queue,
            rank: 1,
            ..EMPTY
        };
        self.node_of
            .insert(job, node)
            .expect("a job is indexed at most once");
        let root = self.roots.get(queue).copied().unwrap_or(NIL);
        let root = self.meld(root, node);
        self.set_root(queue, root);
    }

    fn set_root(&mut self, queue: QueueId, root: u32) {
        if root == NIL {
            self.roots.remove(queue);
            return;
        }
        self.nodes[root as usize].parent = NIL;
        if let Some(stored) = self.roots.get_mut(queue) {
            *stored = root;
        } else {
            self.roots.insert(queue, root).expect("one root per queue");
        }
    }

    /// The queue's smallest key and its job.
    pub(crate) fn peek(&self, queue: QueueId) -> Option<(ReadyKey, JobId)> {
        let root = *self.roots.get(queue)?;
        let node = &self.nodes[root as usize];
        Some((node.key, node.job))
    }

    /// Removes `job` from its queue's heap; returns whether it was there.
    pub(crate) fn remove(&mut self, job: JobId) -> bool {
        let Some(node) = self.node_of.remove(job) else {
            return false;
        };
        let Node {
            left,
            right,
            parent,
            queue,
            ..
        } = self.nodes[node as usize];
        let melded = self.meld(left, right);
        if parent == NIL {
            self.set_root(queue, melded);
        } else {
            if melded != NIL {
                self.nodes[melded as usize].parent = parent;
            }
            let above = &mut self.nodes[parent as usize];
            if above.left == node {
                above.left = melded;
            } else {
                above.right = melded;
            }
            let mut current = parent;
            while current != NIL && self.repair(current) {
                current = self.nodes[current as usize].parent;
            }
        }
        self.nodes[node as usize] = EMPTY;
        self.free.push(node);
        true
    }

    /// The key under which `job` is indexed, if it is.
    pub(crate) fn key_of(&self, job: JobId) -> Option<(QueueId, ReadyKey)> {
        let node = &self.nodes[*self.node_of.get(job)? as usize];
        Some((node.queue, node.key))
    }

    /// Checks the pool: every heap ordered, ranked and linked, every indexed job reachable
    /// from its queue's root exactly once, the free list the rest.
    pub(crate) fn validate(&self) -> Result<(), String> {
        self.node_of.validate()?;
        self.roots.validate()?;
        let mut reached = 0_usize;
        for (queue, &root) in self.roots.iter_unordered() {
            if root == NIL || self.nodes[root as usize].parent != NIL {
                return Err(format!("queue {queue} root is not a root"));
            }
            // Walk the heap with an explicit stack bounded by the pool size.
            let mut stack = vec![root];
            while let Some(node) = stack.pop() {
                reached += 1;
                if reached > self.nodes.len() {
                    return Err("a heap has a cycle".to_owned());
                }
                let entry = self.nodes[node as usize];
                if entry.queue != queue || self.node_of.get(entry.job) != Some(&node) {
                    return Err(format!("node {node} is in the wrong heap"));
                }
                if self.rank(entry.left) < self.rank(entry.right)
                    || entry.rank != self.rank(entry.right) + 1
                {
                    return Err(format!("node {node} breaks the leftist rank rule"));
                }
                for child in [entry.left, entry.right].into_iter().filter(|c| *c != NIL) {
                    let below = self.nodes[child as usize];
                    if below.parent != node || below.key < entry.key {
                        return Err(format!("node {child} breaks the heap order or its link"));
                    }
                    stack.push(child);
                }
            }
        }
        if reached != self.node_of.len() || reached + self.free.len() != self.nodes.len() {
            return Err(format!(
                "{reached} reachable nodes, {} indexed jobs",
                self.node_of.len()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(index: &mut ReadyIndex, queue: QueueId) -> Vec<u128> {
        let mut out = Vec::new();
        while let Some((_, job)) = index.peek(queue) {
            assert!(index.remove(job));
            index.validate().unwrap();
            out.push(job.get());
        }
        out
    }

    #[test]
    fn pops_in_key_order_per_queue_and_removes_from_the_middle() {
        let mut index = ReadyIndex::new(64, 2);
        for i in 0..40_u64 {
            let key = ((i * 7) % 5, i);
            index.insert(QueueId(u128::from(i % 2)), JobId(u128::from(i)), key);
            index.validate().unwrap();
        }
        assert_eq!(index.len(), 40);
        for job in [4, 10, 11, 38] {
            assert!(index.remove(JobId(job)));
            index.validate().unwrap();
        }
        assert!(!index.remove(JobId(4)), "already removed");
        let mut expected: Vec<(u64, u64)> = (0..40_u64)
            .filter(|i| i % 2 == 0 && ![4, 10, 38].contains(i))
            .map(|i| ((i * 7) % 5, i))
            .collect();
        expected.sort_unstable();
        let popped = ids(&mut index, QueueId(0));
        assert_eq!(
            popped,
            expected
                .iter()
                .map(|(_, i)| u128::from(*i))
                .collect::<Vec<_>>()
        );
        assert_eq!(ids(&mut index, QueueId(1)).len(), 19);
        assert_eq!((index.len(), index.peek(QueueId(0))), (0, None));
        assert_eq!(index.allocated_nodes(), 64);
    }

    #[test]
    fn key_of_names_queue_and_key() {
        let mut index = ReadyIndex::new(4, 1);
        index.insert(QueueId(3), JobId(9), (5, 9));
        assert_eq!(index.key_of(JobId(9)), Some((QueueId(3), (5, 9))));
        assert_eq!(index.key_of(JobId(8)), None);
    }
}
