//! Memory: a steady-state framed encode allocates nothing, and no decoder
//! holds more than a small multiple of its input, whatever the input. A
//! counting allocator watches this test binary; it counts per thread, so
//! that the test harness's own allocations stay out of the figures.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use goapptrace_proto::gob::{self, Int};
use goapptrace_proto::protocol::*;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no counters left.
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + layout.size() as isize);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Memory freed on another thread than it was taken on only lowers
        // this thread's figure: the peaks stay upper bounds.
        let _ = LIVE.try_with(|live| live.set(live.get() - layout.size() as isize));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most a decoder may hold above what was live before it started: a
/// dynamic value costs about 48 bytes and each can come from one input byte.
fn budget(input: usize) -> usize {
    64 * 1024 + 64 * input
}

/// Runs `f` and returns the peak of live bytes above the level before it.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    f();
    (PEAK.with(Cell::get) - base).max(0) as usize
}

fn sample(i: u64) -> Packet {
    Packet::RawFuncLogNew(RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(i as i64)),
            tag: TagName("funcStart".into()),
            timestamp: Time(1_511_136_000_123_456_789 + i as i64),
            frames: (0..8)
                .map(|f| FuncStatusId(0x4a_0000 + f * 0x40 + i))
                .collect(),
            gid: Gid(7),
            tx_id: TxId(i),
        }),
    })
}

#[test]
fn a_steady_state_framed_encode_allocates_nothing() {
    let packets: Vec<Packet> = (1..=100).map(sample).collect();
    let mut encoder = FrameEncoder::new();
    let mut out = Vec::with_capacity(4096);
    // The first frame traces the types, registers them and keeps their
    // definitions; after that nothing new is needed.
    encoder.encode(&packets[0], &mut out).unwrap();
    let before = allocations();
    for _ in 0..10 {
        for p in &packets {
            out.clear();
            encoder.encode(p, &mut out).unwrap();
        }
    }
    let made = allocations() - before;
    assert_eq!(made, 0, "{made} allocations in 1000 framed encodes");
    assert!(!out.is_empty());
}

fn golden_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for dir in [
        "testdata/gob",
        "testdata/goapptrace",
        "testdata/goapptrace-marshal",
    ] {
        for entry in std::fs::read_dir(common::repo_path(dir)).expect("testdata") {
            let path = entry.expect("entry").path();
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("gob" | "frames")
            ) {
                files.push((
                    path.display().to_string(),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    files
}

fn decode(bytes: &[u8]) {
    let _ = gob::decode_values(bytes);
    let _ = goapptrace_proto::protocol::gob::decode_payload(bytes, 0);
    let mut decoder = FrameDecoder::new();
    decoder.feed(bytes);
    let mut generation = None;
    while let Ok(Some(_)) = decoder.next_any(&mut generation) {}
    let mut server = ServerSession::new(&SessionConfig::default(), None);
    let _ = server.handle_input(bytes);
}

#[test]
fn decoding_hostile_input_holds_a_small_multiple_of_its_size() {
    let mut worst = (0usize, String::new());
    for (name, bytes) in golden_files() {
        let mut check = |input: &[u8], what: String| {
            let peak = peak_during(|| decode(input));
            assert!(
                peak <= budget(input.len()),
                "{what}: {peak} bytes for {} bytes of input",
                input.len()
            );
            if peak > worst.0 {
                worst = (peak, what);
            }
        };
        for cut in 0..bytes.len() {
            check(&bytes[..cut], format!("{name} cut at {cut}"));
        }
        let mut flipped = bytes.clone();
        for i in 0..bytes.len() * 8 {
            flipped[i / 8] ^= 1 << (i % 8);
            check(&flipped, format!("{name} bit {i} flipped"));
            flipped[i / 8] ^= 1 << (i % 8);
        }
    }
    // A message announcing a huge length with a few bytes behind it.
    let mut lying = vec![0xfc, 0x04, 0x00, 0x00, 0x00];
    lying.extend_from_slice(&[1, 2, 3]);
    check_alone(&lying);
    println!("largest peak: {} bytes ({})", worst.0, worst.1);
}

fn check_alone(input: &[u8]) {
    let peak = peak_during(|| decode(input));
    assert!(peak <= budget(input.len()), "{peak} bytes for {input:?}");
}

#[test]
fn a_dynamic_value_is_small() {
    assert!(
        std::mem::size_of::<gob::Value>() <= 48,
        "{}",
        std::mem::size_of::<gob::Value>()
    );
}
