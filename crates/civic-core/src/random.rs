//! The one source of secrets and unguessable ids: the operating system's
//! generator. API keys, session and form tokens, generated passwords, the
//! redaction hash key and draft ids all come from here; seeded, repeatable
//! draws (training, demo data) come from seeded generators instead.

use rand::RngCore as _;

/// `N` bytes from the operating system's cryptographically secure generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_draw_is_new() {
        let (a, b) = (random_bytes::<32>(), random_bytes::<32>());
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
