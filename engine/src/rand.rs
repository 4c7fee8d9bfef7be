//! Deterministic randomness: every random choice in the simulation draws from
//! one seeded generator, so the same seed and commands replay the same run.

/// SplitMix64: small, fast, and good enough for names and tie-breaks.
#[derive(Clone, Debug)]
pub struct SimRng {
    state: u64,
}

/// The alphabet of k8s.io/apimachinery/pkg/util/rand.String: no vowels, no
/// look-alike characters, so generated names never spell words.
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// A suffix as the API server makes for generateName (5 characters).
    pub fn name_suffix(&mut self) -> String {
        (0..5)
            .map(|_| NAME_ALPHABET[self.below(NAME_ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    /// A version-4 UUID, as the API server gives every object.
    pub fn uuid(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let a = self.next_u64();
        let b = self.next_u64();
        let mut text = String::with_capacity(36);
        for (i, byte) in a
            .to_be_bytes()
            .into_iter()
            .chain(b.to_be_bytes())
            .enumerate()
        {
            // Version 4, variant 10.
            let byte = match i {
                6 => (byte & 0x0f) | 0x40,
                8 => (byte & 0x3f) | 0x80,
                _ => byte,
            };
            if matches!(i, 4 | 6 | 8 | 10) {
                text.push('-');
            }
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        text
    }
}

/// `rand.SafeEncodeString` from k8s.io/apimachinery: maps a hash's digits onto
/// the name alphabet, as the Deployment controller does for pod-template-hash.
pub fn safe_encode(text: &str) -> String {
    text.bytes()
        .map(|b| NAME_ALPHABET[b as usize % NAME_ALPHABET.len()] as char)
        .collect()
}

/// 32-bit FNV-1a, the hash behind pod-template-hash (`hash/fnv` New32a in Go).
pub fn fnv32a(data: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in data {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_names() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        assert_eq!(a.name_suffix(), b.name_suffix());
        assert_eq!(a.uuid(), b.uuid());
        let name = SimRng::new(1).name_suffix();
        assert_eq!(name.len(), 5);
        assert!(name.bytes().all(|c| NAME_ALPHABET.contains(&c)));
    }

    #[test]
    fn uuids_look_like_v4() {
        let id = SimRng::new(3).uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
    }
}
