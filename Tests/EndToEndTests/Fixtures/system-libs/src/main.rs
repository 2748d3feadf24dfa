//! libpcap: a savefile written, read back and matched by a compiled BPF filter.
//! libcurl: an HTTPS request to a local server (its certificate given in TLS_CA_PEM).
//! libseccomp: a filter that makes getppid fail with EPERM, loaded last.
use std::ffi::{CStr, CString};

extern "C" {
    fn pcap_lib_version() -> *const libc::c_char;
}

/// An Ethernet + IPv4 + TCP header to port 80 (checksums are not checked by BPF).
fn packet() -> Vec<u8> {
    let mut p = vec![0u8; 54];
    p[12] = 0x08; // EtherType IPv4
    p[14] = 0x45; // IPv4, 20-byte header
    p[17] = 40; // total length
    p[23] = 6; // TCP
    p[26..30].copy_from_slice(&[10, 0, 0, 1]);
    p[30..34].copy_from_slice(&[10, 0, 0, 2]);
    p[34..36].copy_from_slice(&4321u16.to_be_bytes());
    p[36..38].copy_from_slice(&80u16.to_be_bytes());
    p[46] = 0x50; // data offset
    p
}

fn pcap() {
    use pcap_sys::*;
    unsafe {
        println!("{}", CStr::from_ptr(pcap_lib_version()).to_str().unwrap());
        std::fs::create_dir_all("/tmp").unwrap();
        let path = CString::new("/tmp/cargo-static.pcap").unwrap();
        let dead = pcap_open_dead(1, 65535); // DLT_EN10MB
        let dumper = pcap_dump_open(dead, path.as_ptr());
        assert!(!dumper.is_null());
        let data = packet();
        let mut header: pcap_pkthdr = std::mem::zeroed();
        header.ts.tv_sec = 1_700_000_000;
        header.caplen = data.len() as u32;
        header.len = data.len() as u32;
        for _ in 0..3 {
            pcap_dump(dumper as *mut u8, &header, data.as_ptr());
        }
        pcap_dump_close(dumper);
        let mut errbuf = [0 as libc::c_char; 256];
        let handle = pcap_open_offline(path.as_ptr(), errbuf.as_mut_ptr());
        assert!(!handle.is_null(), "{}", CStr::from_ptr(errbuf.as_ptr()).to_string_lossy());
        let mut http: bpf_program = std::mem::zeroed();
        let mut dns: bpf_program = std::mem::zeroed();
        assert_eq!(pcap_compile(handle, &mut http, CString::new("tcp dst port 80").unwrap().as_ptr(), 1, 0), 0);
        assert_eq!(pcap_compile(handle, &mut dns, CString::new("udp port 53").unwrap().as_ptr(), 1, 0), 0);
        let (mut read, mut matched_http, mut matched_dns) = (0, 0, 0);
        loop {
            let mut h: *mut pcap_pkthdr = std::ptr::null_mut();
            let mut bytes: *const u8 = std::ptr::null();
            if pcap_next_ex(handle, &mut h, &mut bytes) != 1 {
                break;
            }
            read += 1;
            matched_http += (pcap_offline_filter(&http, h, bytes) != 0) as i32;
            matched_dns += (pcap_offline_filter(&dns, h, bytes) != 0) as i32;
        }
        println!("pcap savefile: {read} packets, {matched_http} match `tcp dst port 80`, {matched_dns} match `udp port 53`");
        pcap_freecode(&mut http);
        pcap_freecode(&mut dns);
        pcap_close(handle);
        pcap_close(dead);
    }
}

fn curl() {
    let v = curl::Version::get();
    println!("libcurl {} with {}, http2: {}", v.version(), v.ssl_version().unwrap_or("no TLS"), v.feature_http2());
    let (Ok(address), Ok(pem)) = (std::env::var("TLS_ADDRESS"), std::env::var("TLS_CA_PEM")) else {
        println!("curl: no TLS_ADDRESS, no request");
        return;
    };
    let port = address.rsplit(':').next().unwrap();
    let mut easy = curl::easy::Easy::new();
    easy.url(&format!("https://localhost:{port}/")).unwrap();
    // The server's name resolves without /etc/hosts (an empty root has none).
    let mut list = curl::easy::List::new();
    list.append(&format!("localhost:{port}:127.0.0.1")).unwrap();
    easy.resolve(list).unwrap();
    easy.ssl_cainfo_blob(pem.as_bytes()).unwrap();
    // As cargo asks: HTTP/2 over TLS when the server offers it (a libcurl without nghttp2
    // refuses the option with "Unsupported protocol").
    if let Err(e) = easy.http_version(curl::easy::HttpVersion::V2TLS) {
        println!("curl http2 refused: {e}");
    }
    let mut body = Vec::new();
    {
        let mut transfer = easy.transfer();
        transfer.write_function(|data| {
            body.extend_from_slice(data);
            Ok(data.len())
        }).unwrap();
        if let Err(e) = transfer.perform() {
            println!("curl error: {e}");
            std::process::exit(1);
        }
    }
    let text = String::from_utf8_lossy(&body);
    // Peer verification is on (curl's default): the request succeeds only if the chain checks out.
    println!("curl https: status {}, body has cipher line: {}", easy.response_code().unwrap(), text.contains("Ciphers supported"));
}

fn seccomp() {
    use seccomp_sys::*;
    unsafe {
        let before = libc::getppid();
        let ctx = seccomp_init(SCMP_ACT_ALLOW);
        assert!(!ctx.is_null());
        let nr = seccomp_syscall_resolve_name(CString::new("getppid").unwrap().as_ptr());
        assert_eq!(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(libc::EPERM as u32), nr, 0), 0);
        let rc = seccomp_load(ctx);
        seccomp_release(ctx);
        let after = libc::syscall(libc::SYS_getppid);
        let errno = *libc::__errno_location();
        println!("seccomp: load {rc}, getppid before {}, after {after} errno {}", if before >= 0 { "ok" } else { "failed" },
                 if errno == libc::EPERM { "EPERM" } else { "other" });
    }
}

fn main() {
    pcap();
    curl();
    seccomp();
}
