//! Go's `math/big` numbers, as their `GobEncode` writes them
//! (`math/big/intmarsh.go`, `ratmarsh.go`, `floatmarsh.go`).

use std::fmt;
use std::str::FromStr;

use super::nat::Nat;
use super::{GoStdError, marshalled_serde};

/// The version every `math/big` encoding carries.
const BIG_VERSION: u8 = 1;
/// The most bits a decimal text is worked out for: beyond it the text
/// would take seconds and megabytes (Go works it out anyway).
const MAX_TEXT_BITS: u64 = 1 << 17;

/// Go's `big.Int` (usually held as `*big.Int`): a sign and a magnitude of
/// any size. `Display` and `FromStr` use decimal, as Go's `String` and
/// `SetString(s, 10)` do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BigInt {
    negative: bool,
    magnitude: Nat,
}

impl BigInt {
    /// The integer of this sign and big-endian magnitude (leading zeros
    /// allowed). A negative zero is kept as Go keeps it: it is encoded with
    /// its sign bit.
    pub fn from_sign_magnitude(negative: bool, magnitude: &[u8]) -> BigInt {
        BigInt {
            negative,
            magnitude: Nat::from_be_bytes(magnitude),
        }
    }

    /// Whether the sign is negative.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The magnitude, big-endian, without leading zeros (empty for zero).
    pub fn magnitude(&self) -> Vec<u8> {
        self.magnitude.to_be_bytes()
    }

    /// The value when it fits an `i128`.
    pub fn to_i128(&self) -> Option<i128> {
        let m = self.magnitude.to_u128()?;
        if self.negative {
            0i128.checked_sub_unsigned(m)
        } else {
            i128::try_from(m).ok()
        }
    }

    /// Reads the bytes of Go's `GobEncode`; empty bytes are zero (what Go's
    /// `GobDecode` makes of them).
    pub fn from_gob_bytes(bytes: &[u8]) -> Result<BigInt, GoStdError> {
        let Some((&head, magnitude)) = bytes.split_first() else {
            return Ok(BigInt::default());
        };
        check_version("big.Int", head >> 1)?;
        Ok(BigInt::from_sign_magnitude(head & 1 == 1, magnitude))
    }

    /// The bytes Go's `GobEncode` writes: version and sign, then the
    /// magnitude.
    pub fn to_gob_bytes(&self) -> Vec<u8> {
        let mut out = vec![BIG_VERSION << 1 | self.negative as u8];
        out.extend_from_slice(&self.magnitude.to_be_bytes());
        out
    }

    /// Always false: Go marshals a `big.Int` through a pointer, which it
    /// never takes for a zero value, so it never leaves one out.
    pub fn is_go_zero(&self) -> bool {
        false
    }

    fn is_zero(&self) -> bool {
        self.magnitude.is_zero()
    }
}

marshalled_serde!(BigInt, "GobEncoder:*big.Int");

fn check_version(go_type: &'static str, version: u8) -> Result<(), GoStdError> {
    if version != BIG_VERSION {
        return Err(GoStdError::new(
            go_type,
            "version",
            format!("{version} is not the version Go reads (1)"),
        ));
    }
    Ok(())
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go prints zero as 0 whatever its sign bit.
        if self.negative && !self.is_zero() {
            f.write_str("-")?;
        }
        f.write_str(&self.magnitude.to_decimal())
    }
}

impl FromStr for BigInt {
    type Err = GoStdError;

    /// Decimal digits with an optional sign.
    fn from_str(s: &str) -> Result<BigInt, GoStdError> {
        let (negative, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let magnitude = Nat::from_decimal(digits).ok_or_else(|| {
            GoStdError::new("big.Int", "text", format!("{s:?} is not a decimal integer"))
        })?;
        let negative = negative && !magnitude.is_zero();
        Ok(BigInt {
            negative,
            magnitude,
        })
    }
}

macro_rules! bigint_from {
    ($($t:ty),*) => {$(
        impl From<$t> for BigInt {
            fn from(v: $t) -> BigInt {
                BigInt {
                    negative: v < 0,
                    magnitude: Nat::from_u128(v.unsigned_abs() as u128),
                }
            }
        }
    )*};
}
bigint_from!(i8, i16, i32, i64, i128, isize);

macro_rules! bigint_from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for BigInt {
            fn from(v: $t) -> BigInt {
                BigInt { negative: false, magnitude: Nat::from_u128(v as u128) }
            }
        }
    )*};
}
bigint_from_unsigned!(u8, u16, u32, u64, u128, usize);

/// Go's `big.Rat` (usually held as `*big.Rat`): a sign, a numerator and a
/// denominator, as encoded. Go does not reduce a decoded `Rat`, and
/// neither does this type, so `Display` (Go's `MarshalText`) shows what was
/// sent: `a/b`, or `a` when the denominator is 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BigRat {
    negative: bool,
    numerator: Nat,
    /// Zero stands for 1, as in Go (a zero `Rat` has no denominator).
    denominator: Nat,
}

impl BigRat {
    /// `numerator / denominator` with the numerator's sign; the
    /// denominator's sign is ignored (Go encodes only the numerator's). A
    /// zero denominator is an error.
    pub fn new(numerator: &BigInt, denominator: &BigInt) -> Result<BigRat, GoStdError> {
        if denominator.is_zero() {
            return Err(GoStdError::new(
                "big.Rat",
                "denominator",
                "a rational number cannot have a zero denominator",
            ));
        }
        let negative = (numerator.negative != denominator.negative) && !numerator.is_zero();
        Ok(BigRat {
            negative,
            numerator: numerator.magnitude.clone(),
            denominator: denominator.magnitude.clone(),
        })
    }

    /// The numerator, with the sign.
    pub fn numerator(&self) -> BigInt {
        BigInt {
            negative: self.negative,
            magnitude: self.numerator.clone(),
        }
    }

    /// The denominator (1 when none was encoded).
    pub fn denominator(&self) -> BigInt {
        if self.denominator.is_zero() {
            return BigInt::from(1u8);
        }
        BigInt {
            negative: false,
            magnitude: self.denominator.clone(),
        }
    }

    /// Reads the bytes of Go's `GobEncode`: version and sign, the length of
    /// the numerator (4 bytes), the numerator, the denominator. Empty bytes
    /// are zero.
    pub fn from_gob_bytes(bytes: &[u8]) -> Result<BigRat, GoStdError> {
        if bytes.is_empty() {
            return Ok(BigRat::default());
        }
        if bytes.len() < 5 {
            return Err(GoStdError::new(
                "big.Rat",
                "length",
                format!("{} bytes; Go needs at least 5", bytes.len()),
            ));
        }
        check_version("big.Rat", bytes[0] >> 1)?;
        let len = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]) as usize;
        let rest = &bytes[5..];
        if len > rest.len() {
            return Err(GoStdError::new(
                "big.Rat",
                "numerator length",
                format!("{len} bytes, but only {} follow", rest.len()),
            ));
        }
        Ok(BigRat {
            negative: bytes[0] & 1 == 1,
            numerator: Nat::from_be_bytes(&rest[..len]),
            denominator: Nat::from_be_bytes(&rest[len..]),
        })
    }

    /// The bytes Go's `GobEncode` writes.
    pub fn to_gob_bytes(&self) -> Vec<u8> {
        let numerator = self.numerator.to_be_bytes();
        let mut out = vec![BIG_VERSION << 1 | self.negative as u8];
        out.extend_from_slice(&(numerator.len() as u32).to_be_bytes());
        out.extend_from_slice(&numerator);
        out.extend_from_slice(&self.denominator.to_be_bytes());
        out
    }

    /// Always false: Go never leaves a `big.Rat` out (see
    /// [`BigInt::is_go_zero`]).
    pub fn is_go_zero(&self) -> bool {
        false
    }
}

marshalled_serde!(BigRat, "GobEncoder:*big.Rat");

impl fmt::Display for BigRat {
    /// Go's `MarshalText`: the numerator alone when the denominator is 1,
    /// else `numerator/denominator`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.numerator())?;
        if self.denominator.is_zero() || self.denominator.is_one() {
            return Ok(());
        }
        write!(f, "/{}", self.denominator.to_decimal())
    }
}

/// How a [`BigFloat`] rounds (Go's `big.RoundingMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RoundingMode {
    /// `ToNearestEven`, Go's default.
    #[default]
    ToNearestEven,
    /// `ToNearestAway`.
    ToNearestAway,
    /// `ToZero`.
    ToZero,
    /// `AwayFromZero`.
    AwayFromZero,
    /// `ToNegativeInf`.
    ToNegativeInf,
    /// `ToPositiveInf`.
    ToPositiveInf,
    /// A mode number Go does not name (6 or 7), kept to be written back.
    Other(u8),
}

impl RoundingMode {
    fn from_bits(bits: u8) -> RoundingMode {
        match bits {
            0 => RoundingMode::ToNearestEven,
            1 => RoundingMode::ToNearestAway,
            2 => RoundingMode::ToZero,
            3 => RoundingMode::AwayFromZero,
            4 => RoundingMode::ToNegativeInf,
            5 => RoundingMode::ToPositiveInf,
            n => RoundingMode::Other(n),
        }
    }

    fn bits(self) -> u8 {
        match self {
            RoundingMode::ToNearestEven => 0,
            RoundingMode::ToNearestAway => 1,
            RoundingMode::ToZero => 2,
            RoundingMode::AwayFromZero => 3,
            RoundingMode::ToNegativeInf => 4,
            RoundingMode::ToPositiveInf => 5,
            RoundingMode::Other(n) => n & 7,
        }
    }
}

/// How the last operation rounded a [`BigFloat`] (Go's `big.Accuracy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Accuracy {
    /// `Below`: rounded down.
    Below,
    /// `Exact`.
    #[default]
    Exact,
    /// `Above`: rounded up.
    Above,
    /// The fourth value the two bits can hold, which Go does not name.
    Other,
}

/// What kind of number a [`BigFloat`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FloatForm {
    /// Zero (signed).
    #[default]
    Zero,
    /// A finite nonzero number: a mantissa and an exponent.
    Finite,
    /// An infinity (signed).
    Inf,
}

/// Go's `big.Float` (usually held as `*big.Float`): a binary floating-point
/// number of any precision, with its rounding mode and accuracy, exactly as
/// encoded. `Display` is Go's `MarshalText` (`Text('g', -1)`: the shortest
/// decimal that reads back to the same value at its precision).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BigFloat {
    mode: RoundingMode,
    accuracy: Accuracy,
    form: FloatForm,
    negative: bool,
    precision: u32,
    exponent: i32,
    /// The mantissa's words (most significant first), msb set; empty
    /// unless finite.
    mantissa: Nat,
}

impl BigFloat {
    /// Go's `big.NewFloat(x)`: precision 53, `ToNearestEven`, exact.
    /// `None` for NaN, which Go's `big.Float` cannot hold.
    pub fn from_f64(x: f64) -> Option<BigFloat> {
        if x.is_nan() {
            return None;
        }
        let mut f = BigFloat {
            negative: x.is_sign_negative(),
            precision: 53,
            ..BigFloat::default()
        };
        if x == 0.0 {
            return Some(f);
        }
        if x.is_infinite() {
            f.form = FloatForm::Inf;
            return Some(f);
        }
        // x = 0.mantissa * 2^exponent with the mantissa's top bit set.
        let bits = x.abs().to_bits();
        let (raw_exp, raw_frac) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
        let (significand, exp2) = if raw_exp == 0 {
            (raw_frac, -1074)
        } else {
            (raw_frac | 1 << 52, raw_exp - 1075)
        };
        let shift = significand.leading_zeros();
        f.form = FloatForm::Finite;
        f.mantissa = Nat::from_u128((significand << shift) as u128);
        f.exponent = exp2 + 64 - shift as i32;
        Some(f)
    }

    /// The precision in bits (0 for Go's zero `Float`).
    pub fn precision(&self) -> u32 {
        self.precision
    }

    /// The rounding mode.
    pub fn mode(&self) -> RoundingMode {
        self.mode
    }

    /// The accuracy of the last operation.
    pub fn accuracy(&self) -> Accuracy {
        self.accuracy
    }

    /// Zero, finite or infinite.
    pub fn form(&self) -> FloatForm {
        self.form
    }

    /// The sign bit.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// For a finite number, `(mantissa, exponent)` with the value
    /// `0.mantissa × 2^exponent`: the mantissa's big-endian bytes, top
    /// bit set.
    pub fn mantissa_exponent(&self) -> Option<(Vec<u8>, i32)> {
        (self.form == FloatForm::Finite).then(|| (self.mantissa.to_be_bytes(), self.exponent))
    }

    /// Reads the bytes of Go's `GobEncode`, refusing what Go's `GobDecode`
    /// refuses. Empty bytes are Go's zero `Float`.
    pub fn from_gob_bytes(bytes: &[u8]) -> Result<BigFloat, GoStdError> {
        const T: &str = "big.Float";
        if bytes.is_empty() {
            return Ok(BigFloat::default());
        }
        if bytes.len() < 6 {
            return Err(GoStdError::new(
                T,
                "length",
                format!("{} bytes; Go needs at least 6", bytes.len()),
            ));
        }
        if bytes[0] != BIG_VERSION {
            return Err(GoStdError::new(
                T,
                "version",
                format!("{} is not the version Go reads (1)", bytes[0]),
            ));
        }
        let b = bytes[1];
        let form = match (b >> 1) & 3 {
            0 => FloatForm::Zero,
            1 => FloatForm::Finite,
            2 => FloatForm::Inf,
            n => {
                return Err(GoStdError::new(
                    T,
                    "form",
                    format!("{n} is not zero (0), finite (1) or infinite (2)"),
                ));
            }
        };
        let accuracy = match (b >> 3) & 3 {
            0 => Accuracy::Below,
            1 => Accuracy::Exact,
            2 => Accuracy::Above,
            _ => Accuracy::Other,
        };
        let mut f = BigFloat {
            mode: RoundingMode::from_bits(b >> 5),
            accuracy,
            form,
            negative: b & 1 == 1,
            precision: u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]),
            exponent: 0,
            mantissa: Nat::default(),
        };
        if form != FloatForm::Finite {
            return Ok(f);
        }
        if bytes.len() < 10 {
            return Err(GoStdError::new(
                T,
                "length",
                format!("{} bytes; a finite Float needs at least 10", bytes.len()),
            ));
        }
        f.exponent = i32::from_be_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]);
        f.mantissa = Nat::from_be_bytes(&bytes[10..]);
        // Go's validate0: a normalized mantissa (its 64-bit top word has
        // its msb set) and a precision.
        let top_set = f.mantissa.bit_len().is_multiple_of(64);
        if f.mantissa.is_zero() {
            return Err(GoStdError::new(
                T,
                "mantissa",
                "a finite nonzero Float with no mantissa",
            ));
        }
        if !top_set {
            return Err(GoStdError::new(
                T,
                "mantissa",
                "the top bit of the mantissa's last word is not set",
            ));
        }
        if f.precision == 0 {
            return Err(GoStdError::new(
                T,
                "precision",
                "a finite Float with precision 0",
            ));
        }
        Ok(f)
    }

    /// The bytes Go's `GobEncode` writes: version; mode, accuracy, form and
    /// sign in one byte; precision; for a finite number the exponent and
    /// the mantissa's top words (as many as the precision needs).
    pub fn to_gob_bytes(&self) -> Vec<u8> {
        let accuracy = match self.accuracy {
            Accuracy::Below => 0,
            Accuracy::Exact => 1,
            Accuracy::Above => 2,
            Accuracy::Other => 3,
        };
        let form = match self.form {
            FloatForm::Zero => 0,
            FloatForm::Finite => 1,
            FloatForm::Inf => 2,
        };
        let mut out = vec![
            BIG_VERSION,
            self.mode.bits() << 5 | accuracy << 3 | form << 1 | self.negative as u8,
        ];
        out.extend_from_slice(&self.precision.to_be_bytes());
        if self.form == FloatForm::Finite {
            out.extend_from_slice(&self.exponent.to_be_bytes());
            let mantissa = self.mantissa.to_be_bytes();
            let words = mantissa.len() / 8;
            let needed = (self.precision as usize).div_ceil(64).min(words);
            out.extend_from_slice(&mantissa[..needed * 8]);
        }
        out
    }

    /// Always false: Go never leaves a `big.Float` out (see
    /// [`BigInt::is_go_zero`]).
    pub fn is_go_zero(&self) -> bool {
        false
    }

    /// Go's `MarshalText` (`Text('g', -1)`); `None` when the number is too
    /// large or too precise to work out its digits here (more than 2^17
    /// bits of exponent or precision).
    pub fn to_text(&self) -> Option<String> {
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        if self.form == FloatForm::Inf {
            if !self.negative {
                out.push('+');
            }
            out.push_str("Inf");
            return Some(out);
        }
        let mut d = Decimal::default();
        if self.form == FloatForm::Finite {
            if self.exponent.unsigned_abs() as u64 > MAX_TEXT_BITS
                || self.precision as u64 > MAX_TEXT_BITS
                || self.mantissa.bit_len() > MAX_TEXT_BITS
            {
                return None;
            }
            let shift = self.exponent as i64 - self.mantissa.bit_len() as i64;
            d = Decimal::of(&self.mantissa, shift);
            self.round_shortest(&mut d);
        }
        format_g_shortest(&mut out, &d);
        Some(out)
    }

    /// Go's `roundShortest`: the fewest digits that still lie within half
    /// an ulp (at the precision) of the value.
    fn round_shortest(&self, d: &mut Decimal) {
        if d.mant.is_empty() {
            return;
        }
        let bits = self.mantissa.bit_len() as i64;
        let mut exp = self.exponent as i64 - bits;
        let s = bits - (self.precision as i64 + 1);
        let mant = if s < 0 {
            self.mantissa.shl(s.unsigned_abs())
        } else {
            self.mantissa.shr(s as u64)
        };
        exp += s;
        let lower = Decimal::of(&mant.sub_one(), exp);
        let upper = Decimal::of(&mant.add_one(), exp);
        let inclusive = !mant.bit(1);
        for i in 0..d.mant.len() {
            let m = d.mant[i];
            let l = lower.at(i as i64);
            let u = upper.at(i as i64);
            let ok_down = l != m || inclusive && i + 1 == lower.mant.len();
            let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.mant.len());
            match (ok_down, ok_up) {
                (true, true) => return d.round(i + 1),
                (true, false) => return d.round_down(i + 1),
                (false, true) => return d.round_up(i + 1),
                (false, false) => {}
            }
        }
    }
}

marshalled_serde!(BigFloat, "GobEncoder:*big.Float");

impl fmt::Display for BigFloat {
    /// Go's `MarshalText`; `<too large>` where [`BigFloat::to_text`] gives
    /// up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_text() {
            Some(text) => f.write_str(&text),
            None => f.write_str("<too large>"),
        }
    }
}

/// `0.mant × 10^exp`, mant ASCII digits without trailing zeros (Go's
/// `math/big` decimal).
#[derive(Debug, Default, Clone)]
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Exactly `m × 2^shift`.
    fn of(m: &Nat, shift: i64) -> Decimal {
        if m.is_zero() {
            return Decimal::default();
        }
        let mut m = m.clone();
        let mut shift = shift;
        if shift < 0 {
            let s = shift.unsigned_abs().min(m.trailing_zero_bits());
            m = m.shr(s);
            shift += s as i64;
        }
        if shift > 0 {
            m = m.shl(shift as u64);
            shift = 0;
        }
        // m × 2^-k = m × 5^k / 10^k.
        let k = shift.unsigned_abs();
        let mut left = k;
        while left > 0 {
            let step = left.min(13);
            m.mul_small_add(5u32.pow(step as u32), 0);
            left -= step;
        }
        let digits = m.to_decimal().into_bytes();
        let mut d = Decimal {
            exp: digits.len() as i64 - k as i64,
            mant: digits,
        };
        d.trim();
        d
    }

    fn at(&self, i: i64) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.mant.get(i).copied())
            .unwrap_or(b'0')
    }

    fn trim(&mut self) {
        while self.mant.last() == Some(&b'0') {
            self.mant.pop();
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }

    fn should_round_up(&self, n: usize) -> bool {
        if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            return n > 0 && (self.mant[n - 1] - b'0') & 1 != 0;
        }
        self.mant[n] >= b'5'
    }

    fn round(&mut self, n: usize) {
        if n >= self.mant.len() {
            return;
        }
        if self.should_round_up(n) {
            self.round_up(n)
        } else {
            self.round_down(n)
        }
    }

    fn round_up(&mut self, n: usize) {
        if n >= self.mant.len() {
            return;
        }
        let mut n = n;
        while n > 0 && self.mant[n - 1] >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.mant.truncate(1);
            self.mant[0] = b'1';
            self.exp += 1;
            return;
        }
        self.mant[n - 1] += 1;
        self.mant.truncate(n);
    }

    fn round_down(&mut self, n: usize) {
        if n >= self.mant.len() {
            return;
        }
        self.mant.truncate(n);
        self.trim();
    }
}

/// Go's `%g` with the shortest precision, from the rounded decimal.
fn format_g_shortest(out: &mut String, d: &Decimal) {
    let digits = d.mant.len() as i64;
    let exp = d.exp - 1;
    if !(-4..6).contains(&exp) {
        // %e with every digit.
        out.push(d.mant.first().map_or('0', |&c| c as char));
        if digits > 1 {
            out.push('.');
            out.extend(d.mant[1..].iter().map(|&c| c as char));
        }
        out.push('e');
        let e = if d.mant.is_empty() { 0 } else { exp };
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.unsigned_abs()));
        return;
    }
    // %f with the digits after the point that the mantissa has.
    let frac = (digits - d.exp).max(0);
    if d.exp > 0 {
        for i in 0..d.exp {
            out.push(d.at(i) as char);
        }
    } else {
        out.push('0');
    }
    if frac > 0 {
        out.push('.');
        for i in 0..frac {
            out.push(d.at(d.exp + i) as char);
        }
    }
}

#[cfg(feature = "num-bigint")]
mod with_num_bigint {
    use num_bigint::{BigUint, Sign};

    use super::BigInt;

    impl From<&BigInt> for num_bigint::BigInt {
        fn from(v: &BigInt) -> Self {
            let sign = if v.negative { Sign::Minus } else { Sign::Plus };
            num_bigint::BigInt::from_bytes_be(sign, &v.magnitude.to_be_bytes())
        }
    }

    impl From<BigInt> for num_bigint::BigInt {
        fn from(v: BigInt) -> Self {
            num_bigint::BigInt::from(&v)
        }
    }

    impl From<&num_bigint::BigInt> for BigInt {
        fn from(v: &num_bigint::BigInt) -> Self {
            let (sign, magnitude) = v.to_bytes_be();
            BigInt::from_sign_magnitude(sign == Sign::Minus, &magnitude)
        }
    }

    impl From<num_bigint::BigInt> for BigInt {
        fn from(v: num_bigint::BigInt) -> Self {
            BigInt::from(&v)
        }
    }

    impl From<&BigUint> for BigInt {
        fn from(v: &BigUint) -> Self {
            BigInt::from_sign_magnitude(false, &v.to_bytes_be())
        }
    }

    impl From<BigUint> for BigInt {
        fn from(v: BigUint) -> Self {
            BigInt::from(&v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_bytes_and_text() {
        let v: BigInt = "-123456789012345678901234567890".parse().unwrap();
        let bytes = v.to_gob_bytes();
        assert_eq!(bytes[0], 3);
        assert_eq!(BigInt::from_gob_bytes(&bytes).unwrap(), v);
        assert_eq!(v.to_string(), "-123456789012345678901234567890");
        assert_eq!(BigInt::from(0).to_gob_bytes(), [2]);
        assert_eq!(BigInt::from(-256).to_gob_bytes(), [3, 1, 0]);
        assert_eq!(BigInt::from_gob_bytes(&[4]).unwrap_err().field, "version");
    }

    #[cfg(feature = "num-bigint")]
    #[test]
    fn num_bigint_both_ways() {
        let v: BigInt = "-1606938044258990275541962092341162602522202993782792835301376"
            .parse()
            .unwrap();
        let n = num_bigint::BigInt::from(&v);
        assert_eq!(n.to_string(), v.to_string());
        assert_eq!(BigInt::from(n), v);
        let u = num_bigint::BigUint::from(7u8);
        assert_eq!(BigInt::from(u), BigInt::from(7));
    }

    #[test]
    fn rat_text() {
        let r = BigRat::new(&BigInt::from(-3), &BigInt::from(4)).unwrap();
        assert_eq!(r.to_string(), "-3/4");
        assert_eq!(r.to_gob_bytes(), [3, 0, 0, 0, 1, 3, 4]);
        let whole = BigRat::new(&BigInt::from(5), &BigInt::from(1)).unwrap();
        assert_eq!(whole.to_string(), "5");
        assert_eq!(
            BigRat::from_gob_bytes(&[2, 0, 0, 0, 9, 1])
                .unwrap_err()
                .field,
            "numerator length"
        );
    }

    #[test]
    fn float_text_is_gos_shortest() {
        let cases = [
            (1.5, "1.5"),
            (0.1, "0.1"),
            (-2.0, "-2"),
            (1e21, "1e+21"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.0, "0"),
            (-0.0, "-0"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (5e-324, "4.940656458412465e-324"), // 53 bits of precision, as Go says
        ];
        for (x, want) in cases {
            let f = BigFloat::from_f64(x).unwrap();
            assert_eq!(f.to_text().as_deref(), Some(want), "{x}");
            assert_eq!(BigFloat::from_gob_bytes(&f.to_gob_bytes()).unwrap(), f);
        }
    }
}
