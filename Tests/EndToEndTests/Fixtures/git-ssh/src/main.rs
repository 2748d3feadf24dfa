//! Real work with libgit2 (a repository written and read back) and libssh2 (a hashed
//! known_hosts entry checked: HMAC-SHA1 through OpenSSL).
use git2::{Repository, Signature, Time};
use std::ffi::{CStr, CString};
use std::path::Path;

fn git() -> Result<(), git2::Error> {
    let v = git2::Version::get();
    let (major, minor, patch) = v.libgit2_version();
    println!("libgit2 {major}.{minor}.{patch}: https {}, ssh {}", v.https(), v.ssh());
    let dir = Path::new("/tmp/cargo-static-git");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let repo = Repository::init(dir)?;
    std::fs::write(dir.join("hello.txt"), "hello\n").unwrap();
    let mut index = repo.index()?;
    index.add_path(Path::new("hello.txt"))?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = Signature::new("Static Tester", "static@example.org", &Time::new(1_700_000_000, 0))?;
    let id = repo.commit(Some("HEAD"), &sig, &sig, "first static commit", &tree, &[])?;
    // Read everything back through a fresh handle.
    let again = Repository::open(dir)?;
    let head = again.head()?.peel_to_commit()?;
    let blob = head.tree()?.get_name("hello.txt").unwrap().to_object(&again)?.peel_to_blob()?;
    println!("commit {} == head {}: {}", id, head.id(), id == head.id());
    println!("message: {:?}", head.message().unwrap_or(""));
    println!("blob {} content {:?}", blob.id(), std::str::from_utf8(blob.content()).unwrap());
    let found = again.revparse_single("HEAD:hello.txt")?.id();
    println!("revparse HEAD:hello.txt = {found}");
    // pcre2 is libgit2's regex engine: a config lookup by regular expression uses it.
    let mut config = again.config()?;
    config.set_str("static.linkage", "musl")?;
    let mut entries = config.entries(Some("^static\\.link.*$"))?;
    let entry = entries.next().expect("a matching entry")?;
    println!("config regex match: {}={}", entry.name().unwrap_or(""), entry.value().unwrap_or(""));
    Ok(())
}

extern "C" {
    fn libssh2_version(required: libc::c_int) -> *const libc::c_char;
}

fn ssh() {
    use libssh2_sys::*;
    let line = "|1|AQIDBAUGBwgJCgsMDQ4PEBESExQ=|OzDarj42Xh1Hhl9gCjlFcBGXeZY= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
    let mut key = vec![0u8, 0, 0, 11];
    key.extend_from_slice(b"ssh-ed25519");
    key.extend_from_slice(&[0, 0, 0, 32]);
    key.extend((0u8..32).collect::<Vec<u8>>());
    unsafe {
        assert_eq!(libssh2_init(0), 0);
        println!("libssh2 {}", CStr::from_ptr(libssh2_version(0)).to_str().unwrap());
        let session = libssh2_session_init_ex(None, None, None, std::ptr::null_mut());
        assert!(!session.is_null());
        let hosts = libssh2_knownhost_init(session);
        let c = CString::new(line).unwrap();
        let rc = libssh2_knownhost_readline(hosts, c.as_ptr(), line.len(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        println!("known_hosts line read: {rc}");
        let check = |host: &str, key: &[u8]| {
            let h = CString::new(host).unwrap();
            let mut store = std::ptr::null_mut();
            libssh2_knownhost_checkp(hosts, h.as_ptr(), 22, key.as_ptr() as *const _, key.len(),
                                     LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW, &mut store)
        };
        let mut other = key.clone();
        *other.last_mut().unwrap() ^= 0xff;
        println!("hashed host check: match {}, mismatch {}, notfound {}",
                 check("git.example.org", &key) == LIBSSH2_KNOWNHOST_CHECK_MATCH,
                 check("git.example.org", &other) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH,
                 check("other.example.org", &key) == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND);
        libssh2_knownhost_free(hosts);
        libssh2_session_free(session);
        libssh2_exit();
    }
}

fn main() {
    if let Err(e) = git() {
        eprintln!("git error: {e}");
        std::process::exit(1);
    }
    ssh();
}
