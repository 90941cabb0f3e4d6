//! Values encrypted in dotenvx's format: `encrypted:<base64>` of ECIES over
//! secp256k1 (an uncompressed ephemeral public key, a 16-byte nonce, the
//! AES-256-GCM tag and the data, with the key from HKDF-SHA256 over the
//! uncompressed ephemeral key and shared point), which is what the `ecies`
//! crate does with its default config, as eciesjs (dotenvx's) does with its.
//! Here: which key a file's values need, where it was found, and the two
//! directions of the cipher. Finding the key reads nothing itself: the
//! caller hands over the environment and the key file.

mod base64;
pub mod file;

use std::fmt;

use crate::env_vars::EnvVars;
use crate::input::hex;

/// What starts an encrypted value.
pub const PREFIX: &str = "encrypted:";
/// The file that holds private keys at an app's root, as dotenvx names it.
pub const KEYS_FILE: &str = ".env.keys";

/// Whether a value as written is an encrypted one.
pub fn is_encrypted(value: &str) -> bool {
    value.starts_with(PREFIX)
}

/// The private key's name that `file`'s values need, by dotenvx's rule: the
/// file's own `DOTENV_PUBLIC_KEY…` line names it when there is one
/// (`public`); otherwise the file name does (`.env` → `DOTENV_PRIVATE_KEY`,
/// `.env.production` → `…_PRODUCTION`, `.env.production.local` →
/// `…_PRODUCTION_LOCAL`).
pub fn key_name(file: &str, public: Option<&str>) -> String {
    if let Some(rest) = public.and_then(|p| p.strip_prefix(EnvVars::DOTENV_PUBLIC_KEY)) {
        return format!("{}{rest}", EnvVars::DOTENV_PRIVATE_KEY);
    }
    match environment(file) {
        None => EnvVars::DOTENV_PRIVATE_KEY.to_owned(),
        Some(env) => format!("{}_{}", EnvVars::DOTENV_PRIVATE_KEY, env.to_uppercase()),
    }
}

/// The public key's name that goes with [`key_name`].
pub fn public_name(private: &str) -> String {
    let private_prefix = EnvVars::DOTENV_PRIVATE_KEY.len();
    let rest = &private[private_prefix.min(private.len())..];
    format!("{}{rest}", EnvVars::DOTENV_PUBLIC_KEY)
}

/// dotenvx's environment of a file, from its base name: `None` for `.env`.
fn environment(file: &str) -> Option<String> {
    let base = file.rsplit('/').next().unwrap_or(file).to_lowercase();
    let base = match base.strip_suffix(".txt") {
        Some(stem) if base.starts_with(".env") => stem.to_owned(),
        _ => base,
    };
    if base == ".env" {
        return None;
    }
    let parts: Vec<&str> = base.split('.').skip(2).collect();
    Some(match parts.len() {
        // `.env1`: dotenvx reads it as `development1`.
        0 => base.replacen(".env", "development", 1),
        1 => parts[0].to_owned(),
        _ => parts[..2].join("_"),
    })
}

/// Where a key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFrom {
    /// The caller's environment.
    Environment,
    /// The root's `.env.keys`.
    KeysFile,
}

impl KeyFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFrom::Environment => "environment",
            KeyFrom::KeysFile => KEYS_FILE,
        }
    }
}

/// The key a file's encrypted values need: its name, and where it was found
/// (`None`: nowhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub name: String,
    pub from: Option<KeyFrom>,
}

impl fmt::Display for KeyUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.from {
            Some(KeyFrom::Environment) => write!(f, "key {} from the environment", self.name),
            Some(KeyFrom::KeysFile) => write!(f, "key {} from {KEYS_FILE}", self.name),
            None => write!(
                f,
                "no key: {} is neither in the environment nor in {KEYS_FILE}",
                self.name
            ),
        }
    }
}

/// Why a value does not decrypt. Never the value, the ciphertext or a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No key under the name looked for.
    NoKey { name: String },
    /// A key that is not 32 bytes of hex, or not a valid secp256k1 key.
    BadKey { key: KeyUse },
    /// None of the keys given opens the value.
    WrongKey { key: KeyUse },
    /// What follows `encrypted:` is not base64 of an ECIES message.
    Malformed,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::NoKey { name } => write!(
                f,
                "the value is encrypted and no key was found: set {name} in the environment or in {KEYS_FILE} at the app's root"
            ),
            Failure::BadKey { key } => write!(
                f,
                "the value is encrypted and {} ({}) is not a private key: 64 hex digits, several separated by commas",
                key.name,
                from(key)
            ),
            Failure::WrongKey { key } => write!(
                f,
                "the value is encrypted and {} ({}) does not decrypt it: a wrong key, a value encrypted for another key, or a damaged value",
                key.name,
                from(key)
            ),
            Failure::Malformed => f.write_str(
                "the value starts with 'encrypted:' but what follows is not a value dotenvx or appenv encrypted",
            ),
        }
    }
}

fn from(key: &KeyUse) -> &'static str {
    match key.from {
        Some(KeyFrom::Environment) => "from the environment",
        Some(KeyFrom::KeysFile) => "from .env.keys",
        None => "from nowhere",
    }
}

/// The plain text of `value` (`encrypted:…`), tried with each of the
/// comma-separated private keys in `keys` (hex), in order, as dotenvx does.
pub fn decrypt(value: &str, keys: &str, key: &KeyUse) -> Result<String, Failure> {
    let encoded = value.strip_prefix(PREFIX).ok_or(Failure::Malformed)?;
    let message = base64::decode(encoded).ok_or(Failure::Malformed)?;
    // An uncompressed public key, a nonce, a tag: 65 + 16 + 16 bytes at least.
    let point = message.get(..65).filter(|_| message.len() >= 97);
    if point.is_none_or(|p| ecies::PublicKey::parse_slice(p, None).is_err()) {
        return Err(Failure::Malformed);
    }
    let mut failure = Failure::NoKey {
        name: key.name.clone(),
    };
    for secret in keys.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let valid = unhex(secret).filter(|s| ecies::SecretKey::parse_slice(s).is_ok());
        let Some(secret) = valid else {
            failure = Failure::BadKey { key: key.clone() };
            continue;
        };
        match ecies::decrypt(&secret, &message) {
            Ok(plain) => return String::from_utf8(plain).map_err(|_| Failure::Malformed),
            Err(_) => failure = Failure::WrongKey { key: key.clone() },
        }
    }
    Err(failure)
}

/// `plain` encrypted for the public key `public` (hex, compressed or not),
/// as `encrypted:<base64>`; `None` when `public` is not a public key.
pub fn encrypt(plain: &str, public: &str) -> Option<String> {
    let public = unhex(public)?;
    let message = ecies::encrypt(&public, plain.as_bytes()).ok()?;
    Some(format!("{PREFIX}{}", base64::encode(&message)))
}

/// A new key pair, as dotenvx writes them: the private key in hex, the
/// compressed public key in hex.
pub fn generate() -> (String, String) {
    let (secret, public) = ecies::utils::generate_keypair();
    (
        hex(&secret.serialize()),
        hex(&public.serialize_compressed()),
    )
}

/// The compressed public key (hex) of the first private key in `keys`.
pub fn public_of(keys: &str) -> Option<String> {
    let first = keys.split(',').map(str::trim).next()?;
    let secret = ecies::SecretKey::parse_slice(&unhex(first)?).ok()?;
    let public = ecies::PublicKey::from_secret_key(&secret);
    Some(hex(&public.serialize_compressed()))
}

/// Hex digits (either case) as bytes.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests;
