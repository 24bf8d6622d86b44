//! Mutations of gob streams: bit flips, byte insertions and deletions,
//! truncation, two streams spliced, counts and lengths set to extremes
//! (message lengths and any number inside a message), type ids swapped.

/// SplitMix64: small, fast and deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

pub const KINDS: &[&str] = &[
    "bit_flip",
    "insert",
    "delete",
    "truncate",
    "splice",
    "extreme_number",
    "extreme_message_length",
    "type_id_swap",
];

/// One to three mutations of `src`; `other` is a second stream to splice
/// in. Returns the kind of the first mutation and the result.
pub fn mutate(rng: &mut Rng, src: &[u8], other: &[u8]) -> (&'static str, Vec<u8>) {
    let kind = KINDS[rng.below(KINDS.len())];
    let mut out = apply(rng, kind, src, other);
    while rng.chance(4) {
        let k = KINDS[rng.below(KINDS.len())];
        out = apply(rng, k, &out, other);
    }
    (kind, out)
}

fn apply(rng: &mut Rng, kind: &str, src: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = src.to_vec();
    match kind {
        "bit_flip" => {
            if !b.is_empty() {
                for _ in 0..1 + rng.below(3) {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
        }
        "insert" => {
            const INTERESTING: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0xf8, 0xf7, 0x40];
            let at = rng.below(b.len() + 1);
            let n = 1 + rng.below(4);
            let bytes: Vec<u8> = (0..n)
                .map(|_| {
                    if rng.chance(2) {
                        INTERESTING[rng.below(INTERESTING.len())]
                    } else {
                        rng.next() as u8
                    }
                })
                .collect();
            b.splice(at..at, bytes);
        }
        "delete" => {
            if !b.is_empty() {
                let at = rng.below(b.len());
                let n = (1 + rng.below(4)).min(b.len() - at);
                b.drain(at..at + n);
            }
        }
        "truncate" => {
            let at = rng.below(b.len().max(1));
            b.truncate(at);
        }
        "splice" => {
            if rng.chance(3) {
                b.extend_from_slice(other);
            } else {
                let at = rng.below(b.len() + 1);
                let from = rng.below(other.len() + 1);
                b.truncate(at);
                b.extend_from_slice(&other[from..]);
            }
        }
        "extreme_number" => {
            // Any number inside a message: counts, lengths, deltas, values.
            for _ in 0..8 {
                if b.is_empty() {
                    break;
                }
                let at = rng.below(b.len());
                if let Some((old, len)) = read_uint(&b, at) {
                    let remaining = (b.len() - at - len) as u64;
                    let x = extreme(rng, old, remaining);
                    b.splice(at..at + len, encode_uint(x));
                    break;
                }
            }
        }
        "extreme_message_length" => {
            let msgs = messages(&b);
            if !msgs.is_empty() {
                let m = msgs[rng.below(msgs.len())];
                let remaining = (b.len() - m.body) as u64;
                let x = if rng.chance(2) {
                    extreme(rng, m.len, remaining)
                } else {
                    m.len.saturating_add(rng.below(7) as u64).saturating_sub(3)
                };
                b.splice(m.start..m.body, encode_uint(x));
            }
        }
        "type_id_swap" => {
            let ids = defined_ids(&b);
            let mut spots = Vec::new();
            for &id in &ids {
                for signed in [id, -id] {
                    let pat = encode_int(signed);
                    for i in 0..b.len().saturating_sub(pat.len() - 1) {
                        if b[i..].starts_with(&pat) {
                            spots.push((i, pat.len(), signed));
                        }
                    }
                }
            }
            if spots.is_empty() {
                return apply(rng, "bit_flip", src, other);
            }
            let (at, len, signed) = spots[rng.below(spots.len())];
            let mut choices: Vec<i64> = ids.clone();
            choices.extend(1..=8);
            choices.push(ids.iter().max().copied().unwrap_or(64) + 1);
            let mut id = choices[rng.below(choices.len())];
            if signed < 0 {
                id = -id;
            }
            b.splice(at..at + len, encode_int(id));
        }
        other => unreachable!("mutation {other}"),
    }
    b
}

fn extreme(rng: &mut Rng, old: u64, remaining: u64) -> u64 {
    let choices = [
        0,
        1,
        2,
        0x7f,
        0x80,
        0xff,
        0x100,
        0xffff,
        0x1_0000,
        1 << 24,
        (1 << 24) + 1,
        1 << 30,
        1 << 31,
        1 << 32,
        1 << 33,
        1 << 62,
        i64::MAX as u64,
        u64::MAX,
        old.wrapping_add(1),
        old.wrapping_sub(1),
        old.wrapping_mul(2),
        remaining,
        remaining.saturating_add(1),
        remaining.saturating_sub(1),
        64 << 20,
        (64 << 20) + 1,
    ];
    choices[rng.below(choices.len())]
}

/// gob's unsigned integer at `at`: its value and encoded length.
pub fn read_uint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    if first < 0x80 {
        return Some((first as u64, 1));
    }
    let n = (first as i8).unsigned_abs() as usize;
    if n > 8 {
        return None;
    }
    let body = b.get(at + 1..at + 1 + n)?;
    Some((body.iter().fold(0, |x, &c| (x << 8) | c as u64), n + 1))
}

pub fn encode_uint(x: u64) -> Vec<u8> {
    if x < 0x80 {
        return vec![x as u8];
    }
    let bytes = x.to_be_bytes();
    let skip = bytes.iter().take_while(|&&c| c == 0).count();
    let mut out = vec![(-((8 - skip) as i8)) as u8];
    out.extend_from_slice(&bytes[skip..]);
    out
}

pub fn encode_int(i: i64) -> Vec<u8> {
    let u = if i < 0 {
        (!(i as u64) << 1) | 1
    } else {
        (i as u64) << 1
    };
    encode_uint(u)
}

#[derive(Clone, Copy)]
struct Message {
    start: usize,
    body: usize,
    len: u64,
}

/// The messages of a stream, as far as its framing holds.
fn messages(b: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((len, n)) = read_uint(b, at) {
        let body = at + n;
        out.push(Message {
            start: at,
            body,
            len,
        });
        match body.checked_add(len as usize) {
            Some(end) if end <= b.len() && len > 0 => at = end,
            _ => break,
        }
    }
    out
}

/// The ids the stream defines types for.
fn defined_ids(b: &[u8]) -> Vec<i64> {
    let mut ids = Vec::new();
    for m in messages(b) {
        if let Some((u, _)) = read_uint(b, m.body)
            && u & 1 == 1
        {
            let id = (!(u >> 1) as i64).wrapping_neg();
            if id > 0 && id < 1 << 20 && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}
