use goapptrace_proto::gob::Int;
use goapptrace_proto::protocol::*;
fn main() {
    let p = Packet::RawFuncLogNew(RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(1)),
            tag: TagName("funcStart".into()),
            timestamp: Time(1511136000123456790),
            frames: (0..8)
                .map(|f| FuncStatusId(0x4a0000 + f * 0x40 + 1))
                .collect(),
            gid: Gid(7),
            tx_id: TxId(1),
        }),
    });
    let mut frame = Vec::new();
    FrameEncoder::new().encode(&p, &mut frame).unwrap();
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(100000);
    let mut dec = FrameDecoder::new();
    let mut total = 0;
    for _ in 0..n {
        dec.feed(&frame);
        if let Some(Packet::RawFuncLogNew(p)) = dec.next_packet().unwrap() {
            total += p.func_log.unwrap().frames.len();
        }
    }
    println!("{total}");
}
