//! π to any number of significant digits, as Perl's `bpi(N)` (bignum,
//! Math::BigFloat) prints it: computed, not stored, with Machin's formula
//! π = 16·arctan(1/5) − 4·arctan(1/239) over a fixed-point big integer, then
//! rounded to N digits.

/// One limb holds nine decimal digits.
const BASE: u64 = 1_000_000_000;
const LIMB_DIGITS: usize = 9;
/// Extra digits computed beyond those printed, so that the truncation of
/// each series term cannot reach the rounding.
const GUARD_DIGITS: usize = 12;
/// The most digits `bpi` computes here (the cost grows with the square).
pub const MAX_DIGITS: usize = 10_000;

/// A non-negative fixed-point number: limbs of nine digits, most significant first.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fixed {
    limbs: Vec<u64>,
}

impl Fixed {
    /// `value · 10^(9·(len−1))`: the integer `value` with `len − 1` limbs of fraction.
    fn from_int(value: u64, len: usize) -> Fixed {
        let mut limbs = vec![0; len];
        limbs[0] = value;
        Fixed { limbs }
    }

    fn is_zero(&self) -> bool {
        self.limbs.iter().all(|l| *l == 0)
    }

    /// Divides in place by a small divisor (long division from the top), truncating.
    fn div_small(&mut self, divisor: u64) {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut() {
            let cur = rem * BASE + *limb;
            *limb = cur / divisor;
            rem = cur % divisor;
        }
    }

    fn mul_small(&mut self, factor: u64) {
        let mut carry = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let cur = *limb * factor + carry;
            *limb = cur % BASE;
            carry = cur / BASE;
        }
        self.limbs[0] += carry * BASE;
    }

    fn add(&mut self, other: &Fixed) {
        let mut carry = 0u64;
        for (a, b) in self.limbs.iter_mut().zip(&other.limbs).rev() {
            let cur = *a + *b + carry;
            *a = cur % BASE;
            carry = cur / BASE;
        }
        self.limbs[0] += carry * BASE;
    }

    /// `self − other`, for `self ≥ other`.
    fn sub(&mut self, other: &Fixed) {
        let mut borrow = 0u64;
        for (a, b) in self.limbs.iter_mut().zip(&other.limbs).rev() {
            let take = *b + borrow;
            if *a >= take {
                *a -= take;
                borrow = 0;
            } else {
                *a = *a + BASE - take;
                borrow = 1;
            }
        }
    }

    /// The decimal digits: the integer part, then every fraction digit.
    fn digits(&self) -> String {
        let mut out = self.limbs[0].to_string();
        for limb in &self.limbs[1..] {
            out.push_str(&format!("{limb:09}"));
        }
        out
    }
}

/// arctan(1/x) for an integer x > 1: Σ (−1)^k / ((2k+1)·x^(2k+1)).
fn arctan_inverse(x: u64, len: usize) -> Fixed {
    let mut power = Fixed::from_int(1, len);
    power.div_small(x);
    let mut sum = power.clone();
    let square = x * x;
    let mut k = 1u64;
    loop {
        power.div_small(square);
        if power.is_zero() {
            return sum;
        }
        let mut term = power.clone();
        term.div_small(2 * k + 1);
        if k % 2 == 1 {
            sum.sub(&term);
        } else {
            sum.add(&term);
        }
        k += 1;
    }
}

/// π rounded to `digits` significant digits, printed as Math::BigFloat
/// prints it: `3` for one digit, `3.14` for three.
pub fn pi(digits: usize) -> Result<String, String> {
    if digits == 0 || digits > MAX_DIGITS {
        return Err(format!("bpi computes 1 to {MAX_DIGITS} digits"));
    }
    let fraction_limbs = (digits + GUARD_DIGITS).div_ceil(LIMB_DIGITS);
    let len = fraction_limbs + 1;
    let mut pi = arctan_inverse(5, len);
    pi.mul_small(4);
    pi.sub(&arctan_inverse(239, len));
    pi.mul_small(4);
    let all = pi.digits();
    // Round half up at the first digit not printed; π has no exact ties.
    let mut kept: Vec<u8> = all.as_bytes()[..digits].to_vec();
    if all.as_bytes()[digits] >= b'5' {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&kept).into_owned();
    Ok(if text.len() == 1 {
        text
    } else {
        format!("{}.{}", &text[..1], &text[1..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_significant_digits_like_perl() {
        // perl -Mbignum=bpi -le 'print bpi(N)'
        assert_eq!(pi(1).unwrap(), "3");
        assert_eq!(pi(2).unwrap(), "3.1");
        assert_eq!(pi(5).unwrap(), "3.1416");
        assert_eq!(pi(10).unwrap(), "3.141592654");
        assert_eq!(pi(40).unwrap(), "3.141592653589793238462643383279502884197");
    }

    #[test]
    fn a_thousand_digits() {
        let digits = pi(1000).unwrap();
        assert_eq!(digits.len(), 1001);
        assert!(digits.starts_with("3.14159265358979323846264338327950288419716939937510"));
        // perl -Mbignum=bpi -wle "print bpi(1000)" | tail -c 30
        assert!(digits.ends_with("13001927876611195909216420199"));
    }

    #[test]
    fn bad_counts_are_refused() {
        assert!(pi(0).is_err());
        assert!(pi(MAX_DIGITS + 1).is_err());
    }
}
