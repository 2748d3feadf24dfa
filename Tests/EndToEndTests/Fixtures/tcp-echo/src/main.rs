use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

fn main() {
    // Port 0: the kernel picks a free port; only the loopback interface is used.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let mut out = stream;
        out.write_all(format!("echo: {line}").as_bytes()).unwrap();
    });
    let mut client = TcpStream::connect(addr).expect("connect");
    client.write_all(b"static hello\n").unwrap();
    let mut reply = String::new();
    BufReader::new(client).read_line(&mut reply).unwrap();
    server.join().unwrap();
    print!("{reply}");
    // Numeric addresses parse without any resolver (no NSS in a static musl binary).
    let parsed: std::net::SocketAddr = "[::1]:8080".parse().unwrap();
    println!("parsed: {parsed}");
}
