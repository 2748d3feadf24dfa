//! Tries to leave the sandbox of `cargo-static run/exec --empty-root` and prints one
//! line per probe: `<probe>: blocked (<why>)` when the sandbox stopped it,
//! `<probe>: ok ...` when it worked. The test decides which outcome each probe must have.
//!
//! Arguments: --marker PATH (a file on the host), --port N (a listener on the host's
//! 127.0.0.1), --host-pid N (a process on the host).
use std::ffi::{c_char, c_int, c_long, c_ulong, CString};
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::time::Duration;

extern "C" {
    fn getuid() -> u32;
    fn geteuid() -> u32;
    fn getgid() -> u32;
    fn getpid() -> c_int;
    fn chroot(path: *const c_char) -> c_int;
    fn unshare(flags: c_int) -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn prctl(option: c_int, ...) -> c_int;
    fn capget(header: *mut CapHeader, data: *mut CapData) -> c_int;
    fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    fn sethostname(name: *const c_char, len: usize) -> c_int;
    #[allow(dead_code)] // keyctl's number is known for a few architectures only
    fn syscall(number: c_long, ...) -> c_long;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
}

#[repr(C)]
struct CapHeader { version: u32, pid: c_int }
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData { effective: u32, permitted: u32, inheritable: u32 }

const PR_CAPBSET_READ: c_int = 23;
const PR_GET_SECCOMP: c_int = 21;
const PR_GET_NO_NEW_PRIVS: c_int = 39;
const CLONE_NEWUSER: c_int = 0x1000_0000;
const TIOCSTI: c_ulong = 0x5412;

fn errno() -> String { io::Error::last_os_error().to_string() }

/// `probe: ok` when the call returned 0, `probe: blocked (<errno>)` otherwise.
fn report(probe: &str, status: c_int) {
    if status == 0 { println!("{probe}: ok") } else { println!("{probe}: blocked ({})", errno()) }
}

fn report_io<T>(probe: &str, result: io::Result<T>, ok: impl FnOnce(T) -> String) {
    match result {
        Ok(v) => println!("{probe}: ok {}", ok(v)),
        Err(e) => println!("{probe}: blocked ({e})"),
    }
}

fn identity() {
    unsafe { println!("uid: {} euid: {} gid: {}", getuid(), geteuid(), getgid()) };
    let mut header = CapHeader { version: 0x2008_0522, pid: 0 };
    let mut data = [CapData::default(); 2];
    if unsafe { capget(&mut header, data.as_mut_ptr()) } == 0 {
        let effective = data[0].effective as u64 | (data[1].effective as u64) << 32;
        let permitted = data[0].permitted as u64 | (data[1].permitted as u64) << 32;
        println!("capabilities effective: {effective:#x} permitted: {permitted:#x}");
    } else {
        println!("capabilities: unknown ({})", errno());
    }
    let bounding = (0..64).filter(|&cap| unsafe { prctl(PR_CAPBSET_READ, cap as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong) } == 1).count();
    println!("bounding set size: {bounding}");
    unsafe {
        // prctl reads four more arguments; these options want them zero.
        println!("no_new_privs: {}", prctl(PR_GET_NO_NEW_PRIVS, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong));
        println!("seccomp mode: {}", prctl(PR_GET_SECCOMP, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong));
        println!("pid: {}", getpid());
    }
}

fn read_file(probe: &str, path: &str) {
    report_io(probe, fs::read(path), |bytes| format!("({} bytes)", bytes.len()));
}

fn tcp(port: u16) {
    let host = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    report_io(&format!("host tcp 127.0.0.1:{port}"), TcpStream::connect_timeout(&host.into(), Duration::from_secs(3)), |mut s| {
        let mut line = String::new();
        let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
        let _ = s.read_to_string(&mut line);
        format!("(read {:?})", line.trim())
    });
    // The sandbox's own loopback must work: a listener and a client inside.
    let inside = TcpListener::bind("127.0.0.1:0").and_then(|l| {
        let addr = l.local_addr()?;
        let client = TcpStream::connect(addr)?;
        let (mut served, _) = l.accept()?;
        served.write_all(b"inside")?;
        drop(served);
        let mut reply = String::new();
        (&client).read_to_string(&mut reply)?;
        Ok(reply)
    });
    report_io("loopback tcp inside", inside, |reply| format!("({reply})"));
}

fn filesystem() {
    report_io("write /", fs::write("/probe-written", b"x"), |_| String::new());
    let tmp = fs::write("/tmp/probe-written", b"tmp works").and_then(|_| fs::read_to_string("/tmp/probe-written"));
    report_io("write /tmp", tmp, |text| format!("({text})"));
    let listing: Vec<String> = fs::read_dir("/").map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default();
    let mut listing = listing;
    listing.sort();
    println!("root holds: {}", listing.join(" "));
}

/// Descriptors beyond stdin/stdout/stderr that the sandbox's setup left open.
fn inherited_descriptors() {
    const F_GETFD: c_int = 1;
    let open: Vec<String> = (3..64).filter(|&fd| unsafe { fcntl(fd, F_GETFD, 0 as c_ulong) } >= 0).map(|fd| fd.to_string()).collect();
    println!("open descriptors beyond stdio: {}", if open.is_empty() { "none".to_string() } else { open.join(" ") });
}

fn kernel_interfaces(host_pid: Option<c_int>) {
    if let Some(pid) = host_pid { report(&format!("signal host pid {pid}"), unsafe { kill(pid, 0) }) }
    let name = b"escaped";
    report("sethostname", unsafe { sethostname(name.as_ptr() as *const c_char, name.len()) });
    // A terminal injection (TIOCSTI) on stdin. On a pipe the kernel says ENOTTY; the
    // seccomp filter answers EPERM before the kernel looks at the descriptor.
    let c: c_char = b'x' as c_char;
    report("ioctl TIOCSTI", unsafe { ioctl(0, TIOCSTI, &c as *const c_char) });
    // keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1): the kernel keyring is not namespaced.
    #[cfg(target_arch = "x86_64")]
    const SYS_KEYCTL: Option<c_long> = Some(250);
    #[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
    const SYS_KEYCTL: Option<c_long> = Some(219);
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")))]
    const SYS_KEYCTL: Option<c_long> = None;
    if let Some(nr) = SYS_KEYCTL {
        let status = unsafe { syscall(nr, 0 as c_long, -3 as c_long, 1 as c_long) };
        report("keyctl", if status >= 0 { 0 } else { -1 });
    }
}

/// A new user namespace would give back every capability (inside it), chroot included.
fn new_user_namespace() {
    report("new user namespace", unsafe { unshare(CLONE_NEWUSER) });
}

/// The classic escape: chroot into a subdirectory (the process's cwd stays outside
/// it), walk `..` past the new root, chroot to what is there, and read host files.
fn chroot_escape(marker: Option<&str>) {
    if let Err(e) = fs::create_dir_all("/tmp/escape") {
        println!("chroot escape: blocked (no directory to chroot into: {e})");
        return;
    }
    let dir = CString::new("/tmp/escape").unwrap();
    if unsafe { chroot(dir.as_ptr()) } != 0 {
        println!("chroot escape: blocked (chroot: {})", errno());
        return;
    }
    for _ in 0..64 { let _ = std::env::set_current_dir(".."); }
    let dot = CString::new(".").unwrap();
    if unsafe { chroot(dot.as_ptr()) } != 0 {
        println!("chroot escape: blocked (second chroot: {})", errno());
        return;
    }
    let mut seen = Vec::new();
    for path in marker.into_iter().chain(["/etc/hostname"]) {
        if let Ok(bytes) = fs::read(path) { seen.push(format!("{path} ({} bytes)", bytes.len())) }
    }
    if seen.is_empty() { println!("chroot escape: blocked (after the escape no host file is visible)") }
    else { println!("chroot escape: ok read {}", seen.join(", ")) }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let marker = value("--marker");
    identity();
    inherited_descriptors();
    if let Some(m) = &marker { read_file(&format!("host file {m}"), m) }
    read_file("host file /etc/hostname", "/etc/hostname");
    if let Some(port) = value("--port").and_then(|p| p.parse().ok()) { tcp(port) }
    filesystem();
    kernel_interfaces(value("--host-pid").and_then(|p| p.parse().ok()));
    new_user_namespace();
    chroot_escape(marker.as_deref());
    println!("probe finished");
    let _ = io::stdout().flush();
}
