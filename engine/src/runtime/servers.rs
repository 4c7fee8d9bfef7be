//! Programs that listen: which ports, how they answer an HTTP GET, how long
//! they take to start listening, and what they do on SIGTERM. A container
//! runs one either as its image's default process (nginx, redis, ...) or by
//! starting it from a command (`nginx -g 'daemon off;'`, busybox `httpd -f`,
//! `nc -l -p 8080`, `python3 -m http.server`).

use crate::time::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    /// nginx: static files from its docroot.
    Nginx,
    /// Apache httpd: static files, directory listings.
    Apache,
    /// busybox `httpd`: static files, no listings.
    BusyboxHttpd,
    /// `python3 -m http.server`: static files and listings from its directory.
    PythonHttp,
    /// agnhost `liveness`: /healthz answers 200 for 10 s, then 500.
    AgnhostLiveness,
    /// agnhost `netexec`/`serve-hostname` and other small HTTP servers.
    AnyHttp,
    Redis,
    Mysql,
    Postgres,
    Mongo,
    /// `nc -l`: accepts TCP connections, speaks no HTTP.
    RawTcp,
}

/// A listening program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub kind: ServerKind,
    pub ports: Vec<u16>,
    /// Where static files are served from.
    pub docroot: String,
    pub started: SimTime,
}

/// What an HTTP GET gets back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpAnswer {
    Status(u16),
    /// The port takes connections but does not speak HTTP: the Go client's error text.
    NotHttp(String),
}

impl ServerKind {
    /// Time from start until the port accepts connections (first start of an
    /// empty data directory for databases).
    pub fn startup(self) -> SimDuration {
        match self {
            ServerKind::Mysql => SimDuration::from_secs(12),
            ServerKind::Postgres => SimDuration::from_secs(3),
            ServerKind::Mongo => SimDuration::from_secs(2),
            _ => SimDuration::ZERO,
        }
    }

    /// How the program answers SIGTERM (or its image's STOPSIGNAL) as PID 1:
    /// `Some(code)` when it shuts down promptly, `None` when it ignores the
    /// signal and is killed when the grace period ends.
    pub fn stop_code(self) -> Option<i32> {
        match self {
            // nginx's image stops it with SIGQUIT (graceful), httpd's with
            // SIGWINCH, postgres's with SIGINT: all exit 0.
            ServerKind::Nginx
            | ServerKind::Apache
            | ServerKind::Redis
            | ServerKind::Mysql
            | ServerKind::Postgres
            | ServerKind::Mongo => Some(0),
            // Go programs: the runtime's default handler exits with 2.
            ServerKind::AgnhostLiveness | ServerKind::AnyHttp => Some(2),
            // No handler for SIGTERM; PID 1 ignores it.
            ServerKind::BusyboxHttpd | ServerKind::PythonHttp | ServerKind::RawTcp => None,
        }
    }

    /// Whether GETs are answered from files under the docroot.
    fn serves_files(self) -> bool {
        matches!(
            self,
            ServerKind::Nginx
                | ServerKind::Apache
                | ServerKind::BusyboxHttpd
                | ServerKind::PythonHttp
        )
    }

    /// Whether a directory without index.html is listed (200) or refused.
    fn lists_directories(self) -> bool {
        matches!(self, ServerKind::Apache | ServerKind::PythonHttp)
    }

    /// The status a directory without an index gets when not listed.
    fn unlisted_directory_status(self) -> u16 {
        match self {
            ServerKind::Nginx => 403,
            _ => 404,
        }
    }
}

impl Server {
    pub fn new(kind: ServerKind, ports: Vec<u16>, docroot: &str, started: SimTime) -> Server {
        Server {
            kind,
            ports,
            docroot: docroot.to_string(),
            started,
        }
    }

    pub fn listens(&self, port: u16, now: SimTime) -> bool {
        self.ports.contains(&port) && now >= self.started.plus(self.kind.startup())
    }

    /// The answer to `GET path`, given a way to ask what a docroot path is.
    pub fn get(
        &self,
        path: &str,
        now: SimTime,
        file_kind: &dyn Fn(&str) -> Option<crate::runtime::fs::Kind>,
    ) -> HttpAnswer {
        use crate::runtime::fs::{normalize, Kind};
        let path = path.split(['?', '#']).next().unwrap_or("/");
        if self.kind.serves_files() {
            let full = normalize(&self.docroot, path.trim_start_matches('/'));
            if !full.starts_with(self.docroot.trim_end_matches('/')) {
                return HttpAnswer::Status(400);
            }
            return HttpAnswer::Status(match file_kind(&full) {
                Some(Kind::File) => 200,
                Some(Kind::Dir) => {
                    let index = file_kind(&normalize(&full, "index.html")) == Some(Kind::File);
                    if index || self.kind.lists_directories() {
                        200
                    } else {
                        self.kind.unlisted_directory_status()
                    }
                }
                None => 404,
            });
        }
        match self.kind {
            ServerKind::AgnhostLiveness => {
                // test/images/agnhost/liveness/server.go: /healthz is 200 for
                // the first 10 seconds, then 500.
                if path == "/healthz" {
                    let alive = now.since(self.started) < SimDuration::from_secs(10);
                    HttpAnswer::Status(if alive { 200 } else { 500 })
                } else {
                    HttpAnswer::Status(404)
                }
            }
            ServerKind::Redis => HttpAnswer::NotHttp(
                "net/http: HTTP/1.x transport connection broken: malformed HTTP response \"-ERR wrong number of arguments for 'get' command\"".into(),
            ),
            ServerKind::Mysql | ServerKind::Postgres | ServerKind::Mongo | ServerKind::RawTcp => {
                HttpAnswer::NotHttp("EOF".into())
            }
            _ => HttpAnswer::Status(200),
        }
    }
}

/// The server a program name starts, with its default ports and docroot,
/// when the program runs in the foreground. `args` are the program's own
/// arguments; `cwd` is where it was started.
pub fn for_program(
    program: &str,
    args: &[String],
    cwd: &str,
    image_is_apache: bool,
) -> Option<(ServerKind, Vec<u16>, String)> {
    let flag_value = |flags: &[&str]| -> Option<String> {
        args.iter()
            .position(|a| flags.contains(&a.as_str()))
            .and_then(|i| args.get(i + 1).cloned())
    };
    let port_arg = |flags: &[&str], default: u16| -> u16 {
        flag_value(flags)
            .and_then(|p| p.rsplit(':').next().and_then(|p| p.parse().ok()))
            .unwrap_or(default)
    };
    match program {
        "nginx" => Some((ServerKind::Nginx, vec![80], "/usr/share/nginx/html".into())),
        "httpd-foreground" => Some((
            ServerKind::Apache,
            vec![80],
            "/usr/local/apache2/htdocs".into(),
        )),
        "httpd" if image_is_apache => Some((
            ServerKind::Apache,
            vec![80],
            "/usr/local/apache2/htdocs".into(),
        )),
        "httpd" => {
            let home = flag_value(&["-h"]).unwrap_or_else(|| cwd.to_string());
            Some((
                ServerKind::BusyboxHttpd,
                vec![port_arg(&["-p"], 80)],
                crate::runtime::fs::normalize(cwd, &home),
            ))
        }
        "redis-server" => Some((
            ServerKind::Redis,
            vec![port_arg(&["--port"], 6379)],
            "/data".into(),
        )),
        "mysqld" => Some((ServerKind::Mysql, vec![3306, 33060], "/".into())),
        "postgres" => Some((
            ServerKind::Postgres,
            vec![port_arg(&["-p"], 5432)],
            "/".into(),
        )),
        "mongod" => Some((
            ServerKind::Mongo,
            vec![port_arg(&["--port"], 27017)],
            "/".into(),
        )),
        "python" | "python3" => {
            let i = args.iter().position(|a| a == "-m")?;
            if args.get(i + 1).map(String::as_str) != Some("http.server") {
                return None;
            }
            let port = args.get(i + 2).and_then(|p| p.parse().ok()).unwrap_or(8000);
            let dir = flag_value(&["-d", "--directory"]).unwrap_or_else(|| cwd.to_string());
            Some((
                ServerKind::PythonHttp,
                vec![port],
                crate::runtime::fs::normalize(cwd, &dir),
            ))
        }
        "nc" | "netcat" => {
            if !args.iter().any(|a| a.starts_with('-') && a.contains('l')) {
                return None;
            }
            let port = flag_value(&["-p"])
                .and_then(|p| p.parse().ok())
                .or_else(|| args.iter().rev().find_map(|a| a.parse().ok()))?;
            Some((ServerKind::RawTcp, vec![port], "/".into()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fs::Kind;

    #[test]
    fn nginx_serves_its_docroot() {
        let nginx = Server::new(
            ServerKind::Nginx,
            vec![80],
            "/usr/share/nginx/html",
            SimTime(0),
        );
        let with_index = |p: &str| match p {
            "/usr/share/nginx/html" => Some(Kind::Dir),
            "/usr/share/nginx/html/index.html" => Some(Kind::File),
            _ => None,
        };
        assert_eq!(
            nginx.get("/", SimTime(5), &with_index),
            HttpAnswer::Status(200)
        );
        assert_eq!(
            nginx.get("/_status/healthz", SimTime(5), &with_index),
            HttpAnswer::Status(404)
        );
        let empty = |p: &str| (p == "/usr/share/nginx/html").then_some(Kind::Dir);
        assert_eq!(nginx.get("/", SimTime(5), &empty), HttpAnswer::Status(403));
    }

    #[test]
    fn agnhost_liveness_fails_after_ten_seconds() {
        let s = Server::new(ServerKind::AgnhostLiveness, vec![8080], "/", SimTime(1000));
        let none = |_: &str| None;
        assert_eq!(
            s.get("/healthz", SimTime(10_999), &none),
            HttpAnswer::Status(200)
        );
        assert_eq!(
            s.get("/healthz", SimTime(11_000), &none),
            HttpAnswer::Status(500)
        );
    }

    #[test]
    fn programs_map_to_servers() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            for_program(
                "httpd",
                &args(&["-f", "-p", "8080", "-h", "/www"]),
                "/",
                false
            ),
            Some((ServerKind::BusyboxHttpd, vec![8080], "/www".into()))
        );
        assert_eq!(
            for_program("nc", &args(&["-lk", "-p", "9000"]), "/", false).map(|s| s.1),
            Some(vec![9000])
        );
        assert_eq!(
            for_program(
                "python3",
                &args(&["-m", "http.server", "9090"]),
                "/srv",
                false
            ),
            Some((ServerKind::PythonHttp, vec![9090], "/srv".into()))
        );
        assert_eq!(
            for_program("nc", &args(&["example.com", "80"]), "/", false),
            None
        );
    }
}
