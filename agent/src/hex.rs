//! Hexadecimal text: the lenient parser behind `fleetwire decode --hex`, and the lowercase
//! encoder used by the JSON and text output.

use thiserror::Error;

/// Why a `--hex` argument is not hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum HexError {
    /// A character that is neither a hex digit nor an allowed separator.
    #[error("invalid hex: unexpected character {found:?} at position {position}")]
    InvalidChar {
        /// The character found.
        found: char,
        /// Its character (not byte) position in the text, 0-based.
        position: usize,
    },
    /// An odd number of hex digits: the last byte is incomplete.
    #[error("invalid hex: odd number of hex digits ({digits})")]
    OddDigits {
        /// How many hex digits the text holds.
        digits: usize,
    },
    /// No hex digits at all.
    #[error("invalid hex: no hex digits")]
    Empty,
}

/// Parses hex text into bytes.
///
/// Accepted: upper- or lowercase digits, an optional `0x`/`0X` prefix (after any leading
/// whitespace), and whitespace or `:` anywhere between digits, so the output of `xxd -p`,
/// Wireshark's "copy as hex stream" and `aa:bb:cc` all work. Bytes are formed from consecutive
/// digits regardless of separators (`"3 0"` is `0x30`).
///
/// ```
/// assert_eq!(fleetwire::hex::parse("0x30 0a:ff")?, vec![0x30, 0x0a, 0xff]);
/// assert!(fleetwire::hex::parse("30 0").is_err());
/// # Ok::<(), fleetwire::hex::HexError>(())
/// ```
pub fn parse(text: &str) -> Result<Vec<u8>, HexError> {
    let trimmed = text.trim_start();
    let skipped = text.chars().count() - trimmed.chars().count();
    let (body, skipped) = match trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
    {
        Some(rest) => (rest, skipped + 2),
        None => (trimmed, skipped),
    };
    let mut out = Vec::with_capacity(body.len() / 2);
    let mut high: Option<u8> = None;
    let mut digits = 0usize;
    for (i, c) in body.chars().enumerate() {
        if c.is_whitespace() || c == ':' {
            continue;
        }
        let nibble =
            c.to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
                .ok_or(HexError::InvalidChar {
                    found: c,
                    position: skipped + i,
                })?;
        digits += 1;
        match high.take() {
            Some(h) => out.push((h << 4) | nibble),
            None => high = Some(nibble),
        }
    }
    if digits == 0 {
        return Err(HexError::Empty);
    }
    if high.is_some() {
        return Err(HexError::OddDigits { digits });
    }
    Ok(out)
}

/// Lowercase hex without separators (`[0x0a, 0xff]` is `"0aff"`).
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            s.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn accepts_separators_and_prefix() {
        assert_eq!(
            parse("  0X30:29 0a\n\tFF ").unwrap(),
            vec![0x30, 0x29, 0x0a, 0xff]
        );
        assert_eq!(parse("deadBEEF").unwrap(), vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(encode(&[0xde, 0xad, 0x00, 0x0f]), "dead000f");
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(
            parse("30 2g").unwrap_err(),
            HexError::InvalidChar {
                found: 'g',
                position: 4
            }
        );
        assert_eq!(
            parse(" 0x3g").unwrap_err(),
            HexError::InvalidChar {
                found: 'g',
                position: 4
            }
        );
        assert_eq!(parse("303").unwrap_err(), HexError::OddDigits { digits: 3 });
        assert_eq!(parse(" : ").unwrap_err(), HexError::Empty);
        assert_eq!(parse("0x").unwrap_err(), HexError::Empty);
        assert!(parse("0x0x30").is_err());
    }
}
