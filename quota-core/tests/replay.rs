//! Replay equivalence: a random workload run live with checkpoints and reopens at random
//! points ends in exactly the state of the same workload run without them, and after a final
//! reopen every retried operation id gets exactly the outcome the uninterrupted engine gives.

mod common;

use proptest::prelude::*;
use quota_core::{ClientRequest, Slot};

use common::{open_fast, tight_config};

#[derive(Clone, Debug)]
enum Action {
    Submit(ClientRequest, u64),
    Batch(Vec<ClientRequest>, u64),
    Checkpoint,
    Reopen,
}

fn client_request() -> impl Strategy<Value = ClientRequest> {
    let command = prop_oneof![
        (0_u128..6, 0_u64..12, 0_u64..12, 0_u64..3)
            .prop_map(|(id, limit, initial, rate)| common::create(id, limit, initial, rate)),
        (0_u128..6, 0_u64..9).prop_map(|(id, amount)| common::debit(id, amount)),
    ];
    (0_u128..14, 0_u128..2, command)
        .prop_map(|(op, client, command)| common::request(op, client, command))
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        12 => (client_request(), 0_u64..3).prop_map(|(request, step)| Action::Submit(request, step)),
        2 => (proptest::collection::vec(client_request(), 1..4), 0_u64..3)
            .prop_map(|(requests, step)| Action::Batch(requests, step)),
        2 => Just(Action::Checkpoint),
        1 => Just(Action::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn checkpoints_and_reopens_change_nothing(actions in proptest::collection::vec(action(), 1..60)) {
        let config = tight_config();
        let dir = tempfile::tempdir().unwrap();
        let plain_dir = tempfile::tempdir().unwrap();
        let mut engine = open_fast(dir.path(), config);
        let mut plain = open_fast(plain_dir.path(), config);
        let mut slot = 0;
        let mut sent = Vec::new();
        for action in &actions {
            match action {
                Action::Submit(request, step) => {
                    slot += step;
                    let got = engine.submit(request, Slot(slot)).unwrap();
                    prop_assert_eq!(got, plain.submit(request, Slot(slot)).unwrap());
                    sent.push(*request);
                }
                Action::Batch(requests, step) => {
                    slot += step;
                    let got = engine.submit_batch(requests, Slot(slot)).unwrap();
                    prop_assert_eq!(got, plain.submit_batch(requests, Slot(slot)).unwrap());
                    sent.extend_from_slice(requests);
                }
                Action::Checkpoint => {
                    let lsn = engine.checkpoint().unwrap();
                    prop_assert_eq!(lsn, engine.state().last_applied_lsn());
                }
                Action::Reopen => {
                    drop(engine);
                    engine = open_fast(dir.path(), config);
                }
            }
            prop_assert_eq!(engine.dump(), plain.dump());
        }
        drop(engine);
        let mut engine = open_fast(dir.path(), config);
        prop_assert_eq!(engine.dump(), plain.dump());
        // Retry every operation id: live entries answer from the table, the rest apply anew,
        // identically on both sides.
        for request in &sent {
            let got = engine.submit(request, Slot(slot)).unwrap();
            prop_assert_eq!(got, plain.submit(request, Slot(slot)).unwrap());
        }
        prop_assert_eq!(engine.dump(), plain.dump());
    }
}
