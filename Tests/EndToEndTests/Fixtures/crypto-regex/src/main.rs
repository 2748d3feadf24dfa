//! Known answers from each library: a regex with named groups (Oniguruma), SHA-256, AES-128
//! and Ed25519 (Nettle, Hogweed on GMP), a JIT-less PCRE2 search, BLAKE2b (libsodium).
use nettle::cipher::{Aes128, Cipher};
use nettle::hash::{Hash, Sha256};
use std::ffi::CStr;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn oniguruma() {
    println!("oniguruma {}", onig::version());
    let re = onig::Regex::new(r"(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})").unwrap();
    let caps = re.captures("released on 2023-06-10, patched later").unwrap();
    println!("onig captures: year={} month={} day={}", caps.at(1).unwrap(), caps.at(2).unwrap(), caps.at(3).unwrap());
    let words = onig::Regex::new(r"\p{Greek}+").unwrap();
    let found: Vec<&str> = words.find_iter("alpha αλφα beta βήτα").map(|(s, e)| &"alpha αλφα beta βήτα"[s..e]).collect();
    println!("onig greek words: {found:?}");
}

fn nettle() {
    let mut h = Sha256::default();
    h.update(b"abc");
    let mut digest = [0u8; 32];
    h.digest(&mut digest);
    println!("nettle sha256(abc) = {}", hex(&digest));
    let mut aes = Aes128::with_encrypt_key(&unhex("000102030405060708090a0b0c0d0e0f")).unwrap();
    let mut out = [0u8; 16];
    aes.encrypt(&mut out, &unhex("00112233445566778899aabbccddeeff"));
    println!("nettle aes128 fips-197 = {}", hex(&out));
    let private = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    let mut public = [0u8; 32];
    nettle::ed25519::public_key(&mut public, &private).unwrap();
    println!("hogweed ed25519 public = {}", hex(&public));
}

fn pcre2() {
    let re = pcre2::bytes::Regex::new(r"(?i)\b[a-z]+@[a-z]+\.org\b").unwrap();
    let text = b"mail Ann@Example.org or bob@debian.org, not carol@example.com";
    // Offsets, not Match::as_bytes: pcre2 0.2.3 slices the subject twice there (it panics
    // with Debian's shared libpcre2 too).
    let found: Vec<String> = re.find_iter(text).map(|m| {
        let m = m.unwrap();
        String::from_utf8_lossy(&text[m.start()..m.end()]).into_owned()
    }).collect();
    println!("pcre2 matches: {found:?}");
}

fn sodium() {
    unsafe {
        assert!(libsodium_sys::sodium_init() >= 0);
        println!("libsodium {}", CStr::from_ptr(libsodium_sys::sodium_version_string()).to_str().unwrap());
        let mut out = [0u8; 32];
        let rc = libsodium_sys::crypto_generichash(out.as_mut_ptr(), out.len(), b"abc".as_ptr(), 3, std::ptr::null(), 0);
        println!("sodium blake2b-256(abc) = {} (rc {rc})", hex(&out));
    }
}

fn main() {
    oniguruma();
    nettle();
    pcre2();
    sodium();
}
