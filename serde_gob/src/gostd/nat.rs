//! A small unsigned big integer: just what the decimal forms of Go's
//! `math/big` values need (no dependency, so that `gob decode --json` and
//! `Display` work without the optional `num-bigint`).

/// An unsigned integer in base 2^32, least significant limb first, with no
/// high zero limbs (zero is empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Nat(Vec<u32>);

impl Nat {
    /// The integer whose big-endian bytes are `bytes` (leading zeros allowed).
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Nat {
        let mut limbs = Vec::with_capacity(bytes.len().div_ceil(4));
        for chunk in bytes.rchunks(4) {
            let mut limb = 0u32;
            for &b in chunk {
                limb = (limb << 8) | b as u32;
            }
            limbs.push(limb);
        }
        let mut n = Nat(limbs);
        n.trim();
        n
    }

    /// The big-endian bytes, without leading zeros (empty for zero).
    pub(crate) fn to_be_bytes(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self.0.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        let first = out.iter().position(|&b| b != 0).unwrap_or(out.len());
        out.drain(..first);
        out
    }

    pub(crate) fn from_u128(mut v: u128) -> Nat {
        let mut limbs = Vec::new();
        while v != 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Nat(limbs)
    }

    /// The value when it fits 128 bits.
    pub(crate) fn to_u128(&self) -> Option<u128> {
        if self.0.len() > 4 {
            return None;
        }
        Some(
            self.0
                .iter()
                .rev()
                .fold(0u128, |acc, &l| (acc << 32) | l as u128),
        )
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn is_one(&self) -> bool {
        self.0 == [1]
    }

    pub(crate) fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(top) => (self.0.len() as u64 - 1) * 32 + (32 - top.leading_zeros() as u64),
        }
    }

    pub(crate) fn trailing_zero_bits(&self) -> u64 {
        let mut bits = 0u64;
        for &l in &self.0 {
            if l != 0 {
                return bits + l.trailing_zeros() as u64;
            }
            bits += 32;
        }
        0
    }

    /// Whether bit `i` (0 the least significant) is set.
    pub(crate) fn bit(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        self.0.get(limb).is_some_and(|l| l >> (i % 32) & 1 == 1)
    }

    pub(crate) fn mul_small_add(&mut self, factor: u32, add: u32) {
        let mut carry = add as u64;
        for l in &mut self.0 {
            let v = *l as u64 * factor as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    /// Divides in place, giving the remainder.
    pub(crate) fn div_small(&mut self, divisor: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.0.iter_mut().rev() {
            let v = (rem << 32) | *l as u64;
            *l = (v / divisor as u64) as u32;
            rem = v % divisor as u64;
        }
        self.trim();
        rem as u32
    }

    pub(crate) fn shl(&self, bits: u64) -> Nat {
        if self.is_zero() {
            return Nat::default();
        }
        let (limbs, bits) = ((bits / 32) as usize, (bits % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push((l << bits) | carry);
                carry = l >> (32 - bits);
            }
        }
        if carry != 0 {
            out.push(carry);
        }
        Nat(out)
    }

    pub(crate) fn shr(&self, bits: u64) -> Nat {
        let limbs = (bits / 32) as usize;
        if limbs >= self.0.len() {
            return Nat::default();
        }
        let bits = (bits % 32) as u32;
        let src = &self.0[limbs..];
        let mut out = Vec::with_capacity(src.len());
        for (i, &l) in src.iter().enumerate() {
            let high = if bits == 0 {
                0
            } else {
                src.get(i + 1).map_or(0, |&h| h << (32 - bits))
            };
            out.push((l >> bits) | high);
        }
        let mut n = Nat(out);
        n.trim();
        n
    }

    pub(crate) fn add_one(&self) -> Nat {
        let mut n = self.clone();
        n.mul_small_add(1, 1);
        n
    }

    /// `self - 1`; zero stays zero.
    pub(crate) fn sub_one(&self) -> Nat {
        let mut out = self.0.clone();
        for l in &mut out {
            if *l != 0 {
                *l -= 1;
                break;
            }
            *l = u32::MAX;
        }
        let mut n = Nat(out);
        if self.is_zero() {
            return n;
        }
        n.trim();
        n
    }

    /// The decimal digits (`"0"` for zero).
    pub(crate) fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut rest = self.clone();
        let mut groups = Vec::new();
        while !rest.is_zero() {
            groups.push(rest.div_small(1_000_000_000));
        }
        let mut out = String::with_capacity(groups.len() * 9);
        let mut iter = groups.iter().rev();
        if let Some(first) = iter.next() {
            out.push_str(&first.to_string());
        }
        for g in iter {
            out.push_str(&format!("{g:09}"));
        }
        out
    }

    /// Parses decimal digits; `None` for anything else or no digits.
    pub(crate) fn from_decimal(s: &str) -> Option<Nat> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut n = Nat::default();
        for chunk in s.as_bytes().chunks(9) {
            let mut v = 0u32;
            for &b in chunk {
                v = v * 10 + (b - b'0') as u32;
            }
            n.mul_small_add(10u32.pow(chunk.len() as u32), v);
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Nat;

    #[test]
    fn decimal_and_bytes_round_trip() {
        let cases = [
            "0",
            "1",
            "4294967296",
            "18446744073709551616",
            "123456789012345678901234567890123456789",
        ];
        for s in cases {
            let n = Nat::from_decimal(s).unwrap();
            assert_eq!(n.to_decimal(), s);
            assert_eq!(Nat::from_be_bytes(&n.to_be_bytes()), n);
        }
        assert_eq!(Nat::from_be_bytes(&[0, 0, 1, 0]).to_decimal(), "256");
        assert_eq!(Nat::from_u128(u128::MAX).to_u128(), Some(u128::MAX));
    }

    #[test]
    fn shifts_and_steps() {
        let n = Nat::from_u128(0x1234_5678_9abc_def0_1122);
        assert_eq!(n.shl(37).shr(37), n);
        assert_eq!(n.shr(4).to_u128(), Some(0x0123_4567_89ab_cdef_0112));
        assert_eq!(
            Nat::from_u128(1 << 64).sub_one().to_u128(),
            Some(u64::MAX as u128)
        );
        assert_eq!(
            Nat::from_u128(u64::MAX as u128).add_one().to_u128(),
            Some(1 << 64)
        );
        assert_eq!(Nat::from_u128(0b1000).trailing_zero_bits(), 3);
        assert_eq!(Nat::from_u128(0b1000).bit_len(), 4);
        assert!(Nat::from_u128(0b1000).bit(3));
    }
}
