//! What the harness needs from an engine: its standard workload, its configs, and thin
//! wrappers over its public API (state machine, durable handle, WAL codec, snapshot codec).
//!
//! The three engines mirror one another's API, so the wrappers are written once, as a macro
//! (`common_methods!`), and each engine module adds only its workload and config.

use std::path::Path;

/// A request generator for the standard workload: `get(i)` is the request with
/// `lsn = request_slot = i + 1` and `operation_id = i + 1`. It reuses its buffers, so that the
/// timed loop measures the engine and not the making of requests.
pub trait Generator {
    type Request;
    fn new() -> Self;
    fn get(&mut self, index: u64) -> &Self::Request;
}

/// One engine under benchmark.
pub trait Subject {
    /// The engine's folder name.
    const NAME: &'static str;
    type Config: Copy;
    type Request: Clone;
    type State;
    type Handle;
    type Gen: Generator<Request = Self::Request>;

    /// The standard config with every table capacity multiplied by `scale` (1 or 16).
    fn config(scale: u32) -> Self::Config;
    fn new_state(config: Self::Config) -> Self::State;
    /// Applies `request` at `lsn = request_slot = lsn`. `Err` names a result code other than
    /// `Ok` (the standard workloads expect `Ok` for every command).
    ///
    /// # Errors
    /// The result code's name when it is not `Ok`.
    fn apply(state: &mut Self::State, lsn: u64, request: &Self::Request) -> Result<(), String>;
    /// Opens (recovers) the database in `dir`.
    ///
    /// # Errors
    /// The recovery error, as text.
    fn open(dir: &Path, config: Self::Config) -> Result<Self::Handle, String>;
    /// Submits one request (one frame, one fdatasync). `Ok(Err(code))` is a refusal.
    ///
    /// # Errors
    /// The submit error, as text.
    fn submit(
        handle: &mut Self::Handle,
        request: &Self::Request,
        slot: u64,
    ) -> Result<Result<(), String>, String>;
    /// Group commit: returns the number of outcomes that were not `Ok` and the first one.
    ///
    /// # Errors
    /// The submit error, as text.
    fn submit_batch(
        handle: &mut Self::Handle,
        requests: &[Self::Request],
        slot: u64,
    ) -> Result<(u64, Option<String>), String>;
    fn frames_replayed(handle: &Self::Handle) -> u64;
    fn handle_state(handle: &Self::Handle) -> &Self::State;
    fn same_state(a: &Self::State, b: &Self::State) -> bool;
    /// Writes a snapshot and replaces the WAL with a marker (the handle's `checkpoint`).
    ///
    /// # Errors
    /// The checkpoint error, as text.
    fn checkpoint(handle: &mut Self::Handle) -> Result<(), String>;
    /// Appends the frame of `request` at `lsn = request_slot = lsn`, exactly as the handle
    /// encodes it.
    fn encode_frame(out: &mut Vec<u8>, lsn: u64, request: &Self::Request);
    fn wal_file_name() -> &'static str;
    fn max_wal_payload_bytes(config: Self::Config) -> u32;
    /// The WAL scan alone (frame decode, both checksums, borrowed payloads): the number of
    /// frames and whether the scan ended cleanly.
    fn scan(bytes: &[u8], max_payload_bytes: u32) -> (usize, bool);
    /// `wal::read_frame` from start to end without collecting the frames: the decode and
    /// checksum work of the scan alone. Returns the number of frames.
    fn read_frames(bytes: &[u8], max_payload_bytes: u32) -> usize;
    fn encode_snapshot(state: &Self::State) -> Vec<u8>;
    /// # Errors
    /// The snapshot error, as text.
    fn decode_snapshot(bytes: &[u8], config: Self::Config) -> Result<Self::State, String>;
}

/// The methods whose code is the same for every engine (their APIs mirror each other).
macro_rules! common_methods {
    ($krate:ident, $engine:ident) => {
        type State = $krate::state_machine::StateMachine;
        type Handle = $krate::engine::$engine;

        fn new_state(config: Self::Config) -> Self::State {
            $krate::state_machine::StateMachine::new(config)
        }

        fn apply(state: &mut Self::State, lsn: u64, request: &Self::Request) -> Result<(), String> {
            let ctx = $krate::command::CommandContext {
                lsn: $krate::ids::Lsn(lsn),
                request_slot: $krate::ids::Slot(lsn),
            };
            let outcome = state.apply_client(ctx, request);
            if outcome.result_code == $krate::result::ResultCode::Ok {
                Ok(())
            } else {
                Err(format!("{:?}", outcome.result_code))
            }
        }

        fn open(dir: &std::path::Path, config: Self::Config) -> Result<Self::Handle, String> {
            $krate::engine::$engine::open(dir, config).map_err(|error| error.to_string())
        }

        fn submit(
            handle: &mut Self::Handle,
            request: &Self::Request,
            slot: u64,
        ) -> Result<Result<(), String>, String> {
            let outcome = handle
                .submit(request, $krate::ids::Slot(slot))
                .map_err(|error| error.to_string())?;
            Ok(if outcome.result_code == $krate::result::ResultCode::Ok {
                Ok(())
            } else {
                Err(format!("{:?}", outcome.result_code))
            })
        }

        fn submit_batch(
            handle: &mut Self::Handle,
            requests: &[Self::Request],
            slot: u64,
        ) -> Result<(u64, Option<String>), String> {
            let outcomes = handle
                .submit_batch(requests, $krate::ids::Slot(slot))
                .map_err(|error| error.to_string())?;
            let mut refused = outcomes
                .iter()
                .filter(|outcome| outcome.result_code != $krate::result::ResultCode::Ok);
            let first = refused
                .next()
                .map(|outcome| format!("{:?}", outcome.result_code));
            Ok((u64::from(first.is_some()) + refused.count() as u64, first))
        }

        fn frames_replayed(handle: &Self::Handle) -> u64 {
            handle.recovery_report().frames_replayed
        }

        fn handle_state(handle: &Self::Handle) -> &Self::State {
            handle.state()
        }

        fn same_state(a: &Self::State, b: &Self::State) -> bool {
            a.dump() == b.dump()
        }

        fn checkpoint(handle: &mut Self::Handle) -> Result<(), String> {
            handle
                .checkpoint()
                .map(|_| ())
                .map_err(|error| error.to_string())
        }

        fn encode_frame(out: &mut Vec<u8>, lsn: u64, request: &Self::Request) {
            let start = runtime::wal::begin_frame(out);
            $krate::command_codec::encode_request(request, out);
            runtime::wal::finish_frame(
                out,
                start,
                $krate::recovery::WAL_MAGIC,
                lsn,
                lsn,
                $krate::recovery::CLIENT_COMMAND,
            );
        }

        fn wal_file_name() -> &'static str {
            $krate::recovery::WAL_FILE_NAME
        }

        fn max_wal_payload_bytes(config: Self::Config) -> u32 {
            config.max_wal_payload_bytes
        }

        fn scan(bytes: &[u8], max_payload_bytes: u32) -> (usize, bool) {
            // What recovery calls: the frame iterator, which collects nothing.
            let mut frames =
                runtime::wal::frames(bytes, $krate::recovery::WAL_MAGIC, max_payload_bytes);
            let count = frames.by_ref().count();
            let (stop, _) = frames.finish();
            (count, stop == runtime::wal::ScanStopReason::CleanEof)
        }

        fn read_frames(bytes: &[u8], max_payload_bytes: u32) -> usize {
            let (mut offset, mut frames) = (0, 0);
            while let runtime::wal::FrameRead::Frame(frame) = runtime::wal::read_frame(
                bytes,
                offset,
                $krate::recovery::WAL_MAGIC,
                max_payload_bytes,
            ) {
                offset += frame.encoded_len();
                frames += 1;
            }
            frames
        }

        fn encode_snapshot(state: &Self::State) -> Vec<u8> {
            $krate::snapshot::encode_snapshot(state)
        }

        fn decode_snapshot(bytes: &[u8], config: Self::Config) -> Result<Self::State, String> {
            $krate::snapshot::decode_snapshot(bytes, &config).map_err(|error| error.to_string())
        }
    };
}

pub(crate) use common_methods;
