use super::*;

/// Written by dotenvx 2.38.2 (`dotenvx encrypt` of `HELLO=world`, `EMPTY=`
/// and a two-line `ML`), with the key it put in `.env.keys`.
const DOTENVX_KEY: &str = "26c8e1dccacb82e702c4a54bfb6a5cf310b70a0436ede8325d265ed501c7abf0";
const DOTENVX_PUBLIC: &str = "03feb5b985f0e8072652af482996e2a4f3f304e44a8914e33191781bf006c28bdb";
const HELLO: &str = "encrypted:BF6jwuy/HpkTFuY7UyKtGflk9ZjvNrRJahB42VNPq4RiCwX0mFeT5uDdeGGzf4utRvKlLap4G0jC9DgkPUFEIRmoIYNU5iU76OB+LRGSCA9M93eEQ5yOwahVxV+0jk4Xs6RSvdQR";
const EMPTY: &str = "encrypted:BFwCQdZhK3HUyci58rUEVMOOa6XZCDaKX6w5KMeR3yeZwfsuPRfX2JoTu8To4fEXdCwWThS6b3j3920ECbgtJanK2q5qzXv/wtPvtOwyAmV2wiFR1rfjOl9kKCslhGVSsQ==";
const ML: &str = "encrypted:BAq9cM7DvOgSwEKxVjUTFX9/cB3tdRBYP0gCU+JzmhMZUxZHaY7PwCpx/lkf3MjY9hPd7kyW2EZTUUcJKww9E8FjGeEYoFz8TLAzzC760XN4mkLGhF8K6lUR0NG4JPg21n83e0ztxWq8+3Fg";

fn key(from: Option<KeyFrom>) -> KeyUse {
    KeyUse {
        name: "DOTENV_PRIVATE_KEY".into(),
        from,
    }
}

#[test]
fn decrypts_what_dotenvx_wrote() {
    let k = key(Some(KeyFrom::KeysFile));
    assert_eq!(decrypt(HELLO, DOTENVX_KEY, &k).as_deref(), Ok("world"));
    assert_eq!(decrypt(EMPTY, DOTENVX_KEY, &k).as_deref(), Ok(""));
    assert_eq!(decrypt(ML, DOTENVX_KEY, &k).as_deref(), Ok("line1\nline2"));
}

#[test]
fn the_public_key_is_the_one_dotenvx_wrote() {
    assert_eq!(public_of(DOTENVX_KEY).as_deref(), Some(DOTENVX_PUBLIC));
    // Hex in capitals is the same key.
    let upper = DOTENVX_KEY.to_uppercase();
    assert_eq!(public_of(&upper).as_deref(), Some(DOTENVX_PUBLIC));
}

#[test]
fn round_trips_through_a_new_pair() {
    let (secret, public) = generate();
    assert_eq!(public_of(&secret), Some(public.clone()));
    for plain in ["", "x", "line1\nline2", "it's \"q\" $HOME \\ é"] {
        let value = encrypt(plain, &public).unwrap();
        assert!(is_encrypted(&value));
        // dotenvx's ephemeral key is uncompressed: base64 of 0x04 is 'B'.
        assert!(value.starts_with("encrypted:B"), "{value}");
        let k = key(Some(KeyFrom::Environment));
        assert_eq!(decrypt(&value, &secret, &k).as_deref(), Ok(plain));
    }
}

#[test]
fn several_keys_are_tried_in_order() {
    let (other, _) = generate();
    let k = key(Some(KeyFrom::Environment));
    let keys = format!("{other},{DOTENVX_KEY}");
    assert_eq!(decrypt(HELLO, &keys, &k).as_deref(), Ok("world"));
    let keys = format!(" {DOTENVX_KEY} , {other}");
    assert_eq!(decrypt(HELLO, &keys, &k).as_deref(), Ok("world"));
}

#[test]
fn failures_say_which_and_never_a_value_or_key() {
    let k = key(Some(KeyFrom::KeysFile));
    let (other, _) = generate();
    let wrong = decrypt(HELLO, &other, &k).unwrap_err();
    assert_eq!(wrong, Failure::WrongKey { key: k.clone() });
    assert_eq!(
        decrypt(HELLO, "", &k),
        Err(Failure::NoKey {
            name: k.name.clone()
        })
    );
    assert_eq!(
        decrypt(HELLO, " , ", &k),
        Err(Failure::NoKey {
            name: k.name.clone()
        })
    );
    assert_eq!(
        decrypt(HELLO, "abc", &k),
        Err(Failure::BadKey { key: k.clone() })
    );
    // The order of a wrong and a bad key does not matter: the last one says.
    assert!(decrypt(HELLO, &format!("zz,{other}"), &k).is_err());
    // Zero is no secp256k1 key.
    assert_eq!(
        decrypt(HELLO, &"0".repeat(64), &k),
        Err(Failure::BadKey { key: k.clone() })
    );
    for bad in [
        "encrypted:",
        "encrypted:!!",
        "encrypted:BAAA",
        &HELLO.replacen("encrypted:B", "encrypted:C", 1),
    ] {
        assert_eq!(
            decrypt(bad, DOTENVX_KEY, &k),
            Err(Failure::Malformed),
            "{bad}"
        );
    }
    // A cut value fails its tag as a wrong key does: GCM cannot tell them apart.
    let cut = &HELLO[..HELLO.len() - 4];
    assert_eq!(decrypt(cut, DOTENVX_KEY, &k), Err(wrong.clone()));
    for message in [wrong.to_string(), Failure::BadKey { key: k }.to_string()] {
        assert!(message.contains("DOTENV_PRIVATE_KEY"), "{message}");
        assert!(!message.contains(&other) && !message.contains("BF6j"));
    }
}

#[test]
fn key_names_follow_dotenvx() {
    let cases = [
        (".env", "DOTENV_PRIVATE_KEY"),
        (".env.production", "DOTENV_PRIVATE_KEY_PRODUCTION"),
        (".env.local", "DOTENV_PRIVATE_KEY_LOCAL"),
        (
            ".env.production.local",
            "DOTENV_PRIVATE_KEY_PRODUCTION_LOCAL",
        ),
        (".env.a.b.c", "DOTENV_PRIVATE_KEY_A_B"),
        ("config/.env.Staging", "DOTENV_PRIVATE_KEY_STAGING"),
        (".env.ci.txt", "DOTENV_PRIVATE_KEY_CI"),
        (".env1", "DOTENV_PRIVATE_KEY_DEVELOPMENT1"),
    ];
    for (file, name) in cases {
        assert_eq!(key_name(file, None), name, "{file}");
    }
    // The file's own public key line wins.
    let named = key_name(".env.production", Some("DOTENV_PUBLIC_KEY_CI"));
    assert_eq!(named, "DOTENV_PRIVATE_KEY_CI");
    assert_eq!(public_name("DOTENV_PRIVATE_KEY_CI"), "DOTENV_PUBLIC_KEY_CI");
    assert_eq!(public_name("DOTENV_PRIVATE_KEY"), "DOTENV_PUBLIC_KEY");
}

#[test]
fn encrypt_refuses_what_is_no_public_key() {
    assert_eq!(encrypt("x", "zz"), None);
    assert_eq!(encrypt("x", "02abcd"), None);
}
