//! SHA-256 of a fixed string, then (given an address and a CA certificate in PEM) a
//! verified TLS handshake and one HTTP request to a local server.
use openssl::sha::sha256;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use std::io::{Read, Write};
use std::net::TcpStream;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    println!("openssl version: {}", openssl::version::version());
    println!("sha256(abc) = {}", hex(&sha256(b"abc")));
    let (Ok(address), Ok(ca_pem)) = (std::env::var("TLS_ADDRESS"), std::env::var("TLS_CA_PEM")) else {
        println!("no TLS_ADDRESS/TLS_CA_PEM: handshake skipped");
        return;
    };
    // The CA comes from the environment: an empty root has no certificate store.
    let ca = X509::from_pem(ca_pem.as_bytes()).expect("TLS_CA_PEM is not a PEM certificate");
    let mut builder = SslConnector::builder(SslMethod::tls_client()).unwrap();
    builder.cert_store_mut().add_cert(ca).unwrap();
    builder.set_verify(SslVerifyMode::PEER);
    let connector = builder.build();
    let tcp = TcpStream::connect(&address).expect("cannot connect to TLS_ADDRESS");
    let mut tls = connector.connect("localhost", tcp).expect("TLS handshake failed");
    println!("handshake: {} {}", tls.ssl().version_str(), tls.ssl().current_cipher().map(|c| c.name()).unwrap_or("?"));
    let subject = tls.ssl().peer_certificate().map(|c| format!("{:?}", c.subject_name())).unwrap_or_default();
    println!("peer verified: {} ({subject})", tls.ssl().verify_result() == openssl::x509::X509VerifyResult::OK);
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    println!("response: {}", text.lines().next().unwrap_or("(nothing)"));
}
