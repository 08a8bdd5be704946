//! The arithmetic of the self-hosted bot challenge (accounts issue, item 4): a proof of work whose
//! answer is a number `n` such that SHA-256(`challenge:n`) starts with `bits` zero bits. Finding
//! it costs about 2^bits hashes; checking it costs one. No third party is involved.

/// Leading zero bits of `hash`.
pub fn leading_zero_bits(hash: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in hash {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// The text whose hash is checked: `challenge:answer`.
pub fn work_input(challenge: &str, answer: u64) -> String {
    format!("{challenge}:{answer}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0xff]), 0);
        assert_eq!(leading_zero_bits(&[0x0f, 0]), 4);
        assert_eq!(leading_zero_bits(&[0, 0x01]), 15);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
        assert_eq!(leading_zero_bits(&[]), 0);
    }
}
