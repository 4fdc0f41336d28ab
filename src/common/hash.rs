//! FNV-1a, 128 bits: a stable hash of bytes (the same on every machine and
//! build), for ids that must agree between processes.

const FNV_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// A running FNV-1a hash.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u128);

impl Default for Fnv {
    fn default() -> Self {
        Self(FNV_OFFSET)
    }
}

impl Fnv {
    /// Hashes `bytes` in.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.0 ^= u128::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
        self
    }

    /// The hash as 32 hex digits.
    pub(crate) fn hex(&self) -> String {
        format!("{:032x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv;

    #[test]
    fn matches_the_published_vectors() {
        assert_eq!(Fnv::default().hex(), "6c62272e07bb014262b821756295c58d");
        assert_eq!(
            Fnv::default().write(b"a").hex(),
            "d228cb696f1a8caf78912b704e4a8964"
        );
    }
}
