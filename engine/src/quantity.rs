//! Resource quantities (`100m`, `0.5`, `128Mi`, `1G`, `1e3`) as
//! k8s.io/apimachinery/pkg/api/resource parses them, reduced to the integers
//! the scheduler adds up: milli-units for CPU, bytes for memory.

/// resource.ErrFormatWrong's text.
pub const FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// resource.ParseQuantity's verdict on `text` (quantity.go: ErrFormatWrong, ErrSuffix).
pub fn parse_error(text: &str) -> Option<&'static str> {
    const BAD_SUFFIX: &str = "unable to parse quantity's suffix";
    let text = text.trim();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let number_end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_end);
    if number.is_empty() || number.matches('.').count() > 1 || number == "." {
        return Some(FORMAT_WRONG);
    }
    let letters_end = suffix
        .find(|c: char| !"eEinumkKMGTP".contains(c))
        .unwrap_or(suffix.len());
    let (letters, rest) = suffix.split_at(letters_end);
    let exponent = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    if !exponent.chars().all(|c| c.is_ascii_digit()) {
        return Some(FORMAT_WRONG);
    }
    let known = matches!(
        letters,
        "" | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
            | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
    ) && rest.is_empty();
    let decimal_exponent = matches!(letters, "e" | "E") && !exponent.is_empty();
    (!known && !decimal_exponent).then_some(BAD_SUFFIX)
}

/// Parses a quantity into thousandths of its unit (so `100m` → 100, `2` → 2000,
/// `1Ki` → 1_024_000). Rounds up, as Quantity.MilliValue does.
pub fn parse_milli(text: &str) -> Result<i128, String> {
    let text = text.trim();
    let invalid = || format!("{FORMAT_WRONG} (got {text:?})");
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_end);
    if number.is_empty() || number == "." {
        return Err(invalid());
    }
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    // value = mantissa / 10^scale
    let mantissa: i128 = format!("{whole}{frac}").parse().map_err(|_| invalid())?;
    let scale = frac.len() as i32;
    let (multiplier, exponent10): (i128, i32) = match suffix {
        "" => (1, 0),
        "n" => (1, -9),
        "u" => (1, -6),
        "m" => (1, -3),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        s if s.starts_with(['e', 'E']) => (1, s[1..].parse::<i32>().map_err(|_| invalid())?),
        _ => return Err(invalid()),
    };
    // milli-value = mantissa * multiplier * 10^(exponent10 + 3 - scale), rounded up
    let power = exponent10 + 3 - scale;
    let base = mantissa.checked_mul(multiplier).ok_or_else(invalid)?;
    let value = if power >= 0 {
        base.checked_mul(10i128.checked_pow(power as u32).ok_or_else(invalid)?)
            .ok_or_else(invalid)?
    } else {
        let divisor = 10i128.checked_pow((-power) as u32).unwrap_or(i128::MAX);
        (base + divisor - 1) / divisor
    };
    Ok(if negative { -value } else { value })
}

/// CPU in millicores.
pub fn cpu_millis(text: &str) -> Result<i64, String> {
    parse_milli(text).map(|m| m.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// Memory (or any plain count) in whole units, rounded up.
pub fn value(text: &str) -> Result<i64, String> {
    parse_milli(text)
        .map(|m| ((m + 999).div_euclid(1000)).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// `1.5Gi`-style rendering for learners: the largest binary unit that keeps it readable.
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [(&str, i64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size && bytes % size == 0 {
            return format!("{}{unit}", bytes / size);
        }
    }
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1}{unit}", bytes as f64 / size as f64);
        }
    }
    bytes.to_string()
}

/// `250m` or `2` for CPU.
pub fn format_cpu(millis: i64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory() {
        assert_eq!(cpu_millis("100m"), Ok(100));
        assert_eq!(cpu_millis("0.5"), Ok(500));
        assert_eq!(cpu_millis("2"), Ok(2000));
        assert_eq!(cpu_millis("1.5"), Ok(1500));
        assert_eq!(value("128Mi"), Ok(128 * 1024 * 1024));
        assert_eq!(value("1Gi"), Ok(1 << 30));
        assert_eq!(value("500M"), Ok(500_000_000));
        assert_eq!(value("1e3"), Ok(1000));
        assert_eq!(value("64Ki"), Ok(65536));
        assert_eq!(value("1.5Gi"), Ok(1_610_612_736));
        assert_eq!(cpu_millis("1n"), Ok(1));
        assert!(value("12abc").is_err());
        assert!(value("").is_err());
        assert!(value("1..2").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_bytes(8 << 30), "8Gi");
        assert_eq!(format_bytes(200 << 20), "200Mi");
        assert_eq!(format_cpu(2000), "2");
        assert_eq!(format_cpu(250), "250m");
    }
}
