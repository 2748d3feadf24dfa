use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Read, Write};

fn main() {
    let text = "static ".repeat(1000);
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(text.as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    let mut back = String::new();
    GzDecoder::new(&compressed[..]).read_to_string(&mut back).unwrap();
    let version = unsafe { std::ffi::CStr::from_ptr(libz_sys::zlibVersion()) };
    println!("zlib version: {}", version.to_string_lossy());
    println!("compressed {} bytes into {}", text.len(), compressed.len());
    println!("round trip ok: {}", back == text);
}
