//! The simulated image registry (Docker Hub and registry.k8s.io as far as
//! learners meet them). Kubelets pull from it; the simulated Docker host that
//! comes later shares it.
//!
//! It knows popular images with real tags and compressed sizes. An image
//! outside the catalogue is taken to exist, since real manifests name many
//! images; but a near miss of a catalogue name (`ngnix`) or a catalogue image
//! with a tag it lacks (`nginx:1.999`) does not, as a typo would not on a real
//! cluster.

use crate::runtime::servers::ServerKind;

/// What an image's default process (ENTRYPOINT and CMD) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultProcess {
    /// A server, serving files from the docroot when it serves files.
    Server {
        kind: ServerKind,
        docroot: &'static str,
    },
    /// A base image: its CMD is a shell, which exits at once with no
    /// terminal. Its commands are busybox's or coreutils'; others are `not found`.
    Shell,
    /// A language runtime: its CMD is a REPL, which exits at once with no
    /// terminal; a command runs a program the simulation cannot look into.
    Interpreter,
    /// agnhost: the subcommand in its args decides (`liveness`, `netexec` ...).
    Agnhost,
    /// An application that runs until stopped.
    Application,
}

/// One repository of the catalogue.
pub struct Repository {
    /// Name as written in manifests, without `docker.io/library/`.
    pub name: &'static str,
    /// (tag, compressed size in bytes) — sizes of the linux/amd64 images.
    pub tags: &'static [(&'static str, u64)],
    /// Ports the image's default process listens on.
    pub listens_on: &'static [u16],
    /// The image's default process.
    pub process: DefaultProcess,
}

impl Repository {
    /// Whether the default process keeps running (a server) or exits at once.
    pub fn long_running(&self) -> bool {
        matches!(
            self.process,
            DefaultProcess::Server { .. } | DefaultProcess::Application | DefaultProcess::Agnhost
        )
    }
}

const MB: u64 = 1_000_000;

pub const CATALOGUE: &[Repository] = &[
    Repository {
        name: "nginx",
        tags: &[
            ("1.14.2", 44 * MB),
            ("1.16.1", 49 * MB),
            ("1.25", 67 * MB),
            ("1.25.3", 67 * MB),
            ("1.27", 68 * MB),
            ("1.27.3", 68 * MB),
            ("1.29", 70 * MB),
            ("alpine", 20 * MB),
            ("latest", 70 * MB),
            ("stable", 68 * MB),
        ],
        listens_on: &[80],
        process: DefaultProcess::Server {
            kind: ServerKind::Nginx,
            docroot: "/usr/share/nginx/html",
        },
    },
    Repository {
        name: "httpd",
        tags: &[
            ("2.4", 58 * MB),
            ("2.4-alpine", 22 * MB),
            ("latest", 58 * MB),
            ("alpine", 22 * MB),
        ],
        listens_on: &[80],
        process: DefaultProcess::Server {
            kind: ServerKind::Apache,
            docroot: "/usr/local/apache2/htdocs",
        },
    },
    Repository {
        name: "redis",
        tags: &[
            ("7", 45 * MB),
            ("7.2", 45 * MB),
            ("7-alpine", 17 * MB),
            ("alpine", 17 * MB),
            ("latest", 48 * MB),
            ("5.0.4", 36 * MB),
        ],
        listens_on: &[6379],
        process: DefaultProcess::Server {
            kind: ServerKind::Redis,
            docroot: "/data",
        },
    },
    Repository {
        name: "busybox",
        tags: &[
            ("1.28", 730_000),
            ("1.36", 2_200_000),
            ("1.37", 2_200_000),
            ("stable", 2_200_000),
            ("latest", 2_200_000),
        ],
        listens_on: &[],
        process: DefaultProcess::Shell,
    },
    Repository {
        name: "alpine",
        tags: &[
            ("3.19", 3_400_000),
            ("3.20", 3_600_000),
            ("3.21", 3_600_000),
            ("latest", 3_600_000),
        ],
        listens_on: &[],
        process: DefaultProcess::Shell,
    },
    Repository {
        name: "ubuntu",
        tags: &[("22.04", 29 * MB), ("24.04", 29 * MB), ("latest", 29 * MB)],
        listens_on: &[],
        process: DefaultProcess::Shell,
    },
    Repository {
        name: "debian",
        tags: &[
            ("bookworm", 49 * MB),
            ("bookworm-slim", 28 * MB),
            ("latest", 49 * MB),
        ],
        listens_on: &[],
        process: DefaultProcess::Shell,
    },
    Repository {
        name: "mysql",
        tags: &[
            ("8.0", 160 * MB),
            ("8.4", 170 * MB),
            ("5.6", 100 * MB),
            ("9", 170 * MB),
            ("latest", 170 * MB),
        ],
        listens_on: &[3306],
        process: DefaultProcess::Server {
            kind: ServerKind::Mysql,
            docroot: "/",
        },
    },
    Repository {
        name: "postgres",
        tags: &[
            ("16", 150 * MB),
            ("17", 155 * MB),
            ("alpine", 100 * MB),
            ("latest", 155 * MB),
        ],
        listens_on: &[5432],
        process: DefaultProcess::Server {
            kind: ServerKind::Postgres,
            docroot: "/",
        },
    },
    Repository {
        name: "mongo",
        tags: &[("7.0", 250 * MB), ("8.0", 260 * MB), ("latest", 260 * MB)],
        listens_on: &[27017],
        process: DefaultProcess::Server {
            kind: ServerKind::Mongo,
            docroot: "/",
        },
    },
    Repository {
        name: "node",
        tags: &[
            ("20", 400 * MB),
            ("22", 410 * MB),
            ("20-alpine", 45 * MB),
            ("22-alpine", 46 * MB),
            ("latest", 410 * MB),
        ],
        listens_on: &[],
        process: DefaultProcess::Interpreter,
    },
    Repository {
        name: "python",
        tags: &[
            ("3.12", 370 * MB),
            ("3.12-slim", 45 * MB),
            ("3.13", 375 * MB),
            ("3.13-slim", 46 * MB),
            ("latest", 375 * MB),
        ],
        listens_on: &[],
        process: DefaultProcess::Interpreter,
    },
    Repository {
        name: "perl",
        tags: &[
            ("5.34.0", 335 * MB),
            ("5.34", 335 * MB),
            ("5.36", 338 * MB),
            ("5.38", 340 * MB),
            ("5.40", 345 * MB),
            ("5.42", 347 * MB),
            ("slim", 60 * MB),
            ("latest", 347 * MB),
        ],
        listens_on: &[],
        process: DefaultProcess::Interpreter,
    },
    Repository {
        name: "registry.k8s.io/pause",
        tags: &[("3.9", 270_000), ("3.10", 320_000)],
        listens_on: &[],
        process: DefaultProcess::Application,
    },
    Repository {
        name: "registry.k8s.io/hpa-example",
        tags: &[("latest", 180 * MB)],
        listens_on: &[80],
        process: DefaultProcess::Server {
            kind: ServerKind::Apache,
            docroot: "/var/www/html",
        },
    },
    Repository {
        name: "traefik/whoami",
        tags: &[("v1.10", 3_200_000), ("latest", 3_200_000)],
        listens_on: &[80],
        process: DefaultProcess::Server {
            kind: ServerKind::AnyHttp,
            docroot: "/",
        },
    },
    Repository {
        name: "registry.k8s.io/busybox",
        tags: &[
            ("1.27.2", 1_300_000),
            ("1.24", 1_100_000),
            ("latest", 1_300_000),
        ],
        listens_on: &[],
        process: DefaultProcess::Shell,
    },
    Repository {
        name: "registry.k8s.io/e2e-test-images/agnhost",
        tags: &[
            ("2.40", 51 * MB),
            ("2.43", 52 * MB),
            ("2.47", 53 * MB),
            ("2.53", 55 * MB),
        ],
        listens_on: &[8080],
        process: DefaultProcess::Agnhost,
    },
    Repository {
        name: "registry.k8s.io/goproxy",
        tags: &[("0.1", 2_500_000)],
        listens_on: &[8080],
        process: DefaultProcess::Server {
            kind: ServerKind::AnyHttp,
            docroot: "/",
        },
    },
    Repository {
        name: "registry.k8s.io/etcd",
        tags: &[
            ("3.5.1-0", 98 * MB),
            ("3.5.15-0", 57 * MB),
            ("3.5.21-0", 58 * MB),
            ("3.6.4-0", 60 * MB),
        ],
        listens_on: &[2379, 2380],
        process: DefaultProcess::Application,
    },
];

/// What the registry says about an image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A catalogue image: its size and default behaviour are known.
    Known {
        repository: &'static str,
        tag: String,
        size_bytes: u64,
    },
    /// Not in the catalogue; taken to exist with a typical size.
    Assumed { size_bytes: u64 },
    /// A near miss of a catalogue name: the repository does not exist.
    NoSuchRepository { repository: String },
    /// A catalogue repository without this tag.
    NoSuchTag {
        repository: &'static str,
        tag: String,
    },
}

/// Size assumed for images outside the catalogue.
const ASSUMED_SIZE: u64 = 50 * MB;

/// Splits `docker.io/library/nginx:1.25` into (`nginx`, `1.25`); the tag defaults to `latest`.
pub fn split_reference(image: &str) -> (String, String) {
    let without_digest = image.split('@').next().unwrap_or(image);
    let (repo, tag) = match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (without_digest, "latest"),
    };
    let repo = repo.strip_prefix("docker.io/").unwrap_or(repo);
    let repo = repo.strip_prefix("library/").unwrap_or(repo);
    (repo.to_string(), tag.to_string())
}

/// The version tags each catalogue repository has published, as
/// (major, minor) from and to: `nginx:1.15` and `redis:6.0.5` exist on
/// Docker Hub though the catalogue lists other tags; `nginx:1.166` does not.
const PUBLISHED: &[(&str, (u32, u32), (u32, u32))] = &[
    ("nginx", (1, 7), (1, 29)),
    ("httpd", (2, 2), (2, 4)),
    ("redis", (2, 6), (8, 2)),
    ("busybox", (1, 21), (1, 37)),
    ("alpine", (3, 1), (3, 22)),
    ("ubuntu", (12, 4), (25, 10)),
    ("debian", (7, 0), (13, 99)),
    ("mysql", (5, 5), (9, 4)),
    ("postgres", (9, 0), (18, 99)),
    ("mongo", (3, 0), (8, 2)),
    ("node", (0, 10), (25, 99)),
    ("python", (2, 7), (3, 14)),
    ("perl", (5, 8), (5, 42)),
    ("registry.k8s.io/pause", (1, 0), (3, 10)),
    ("registry.k8s.io/e2e-test-images/agnhost", (2, 10), (2, 56)),
];

/// Whether `tag` is a version the repository published: `MAJOR[.MINOR[.PATCH]]`
/// with an optional variant (`-alpine`, `-slim-bookworm`), inside its range.
fn published(repository: &str, tag: &str) -> bool {
    let Some((_, from, to)) = PUBLISHED.iter().find(|(name, _, _)| *name == repository) else {
        return false;
    };
    let (version, variant) = tag.split_once('-').unwrap_or((tag, ""));
    if !variant
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return false;
    }
    let numbers: Vec<Option<u32>> = version.split('.').map(|n| n.parse().ok()).collect();
    let (major, minor, patch) = match numbers.as_slice() {
        [Some(major)] => (*major, None, 0),
        [Some(major), Some(minor)] => (*major, Some(*minor), 0),
        [Some(major), Some(minor), Some(patch)] => (*major, Some(*minor), *patch),
        _ => return false,
    };
    // A major version alone stands for its newest minor.
    let low = (major, minor.unwrap_or(u32::MAX));
    let high = (major, minor.unwrap_or(0));
    patch < 100 && low >= *from && high <= *to
}

/// A listed tag close to `tag` (its size stands for the unlisted one's).
fn nearest_listed(known: &Repository, tag: &str) -> u64 {
    let variant = |t: &str| ["alpine", "slim"].iter().find(|v| t.contains(*v)).copied();
    known
        .tags
        .iter()
        .max_by_key(|(t, _)| {
            let common = t
                .chars()
                .zip(tag.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (variant(t) == variant(tag), common)
        })
        .map_or(ASSUMED_SIZE, |(_, size)| *size)
}

pub fn lookup(image: &str) -> Lookup {
    let (repo, tag) = split_reference(image);
    if let Some(known) = CATALOGUE.iter().find(|r| r.name == repo) {
        return match known.tags.iter().find(|(t, _)| *t == tag) {
            Some((_, size)) => Lookup::Known {
                repository: known.name,
                tag,
                size_bytes: *size,
            },
            None if published(known.name, &tag) => Lookup::Known {
                repository: known.name,
                size_bytes: nearest_listed(known, &tag),
                tag,
            },
            None if image.contains('@') => Lookup::Known {
                repository: known.name,
                tag,
                size_bytes: known.tags[0].1,
            },
            None => Lookup::NoSuchTag {
                repository: known.name,
                tag,
            },
        };
    }
    let base = repo.rsplit('/').next().unwrap_or(&repo);
    let near_miss = CATALOGUE
        .iter()
        .map(|r| r.name.rsplit('/').next().unwrap_or(r.name))
        .any(|name| name.len() >= 4 && edit_distance(base, name) <= 2 && base != name);
    if near_miss && !repo.contains('/') {
        return Lookup::NoSuchRepository { repository: repo };
    }
    Lookup::Assumed {
        size_bytes: ASSUMED_SIZE,
    }
}

pub fn repository(name: &str) -> Option<&'static Repository> {
    CATALOGUE.iter().find(|r| r.name == name)
}

/// Levenshtein distance, counting a swap of neighbours as one edit (`ngnix`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_like_docker() {
        assert_eq!(split_reference("nginx"), ("nginx".into(), "latest".into()));
        assert_eq!(
            split_reference("docker.io/library/nginx:1.25"),
            ("nginx".into(), "1.25".into())
        );
        assert_eq!(
            split_reference("localhost:5000/app"),
            ("localhost:5000/app".into(), "latest".into())
        );
    }

    #[test]
    fn typos_do_not_exist_but_unknown_images_do() {
        assert!(matches!(
            lookup("nginx:1.14.2"),
            Lookup::Known {
                size_bytes: 44_000_000,
                ..
            }
        ));
        assert!(matches!(lookup("ngnix"), Lookup::NoSuchRepository { .. }));
        assert!(matches!(lookup("nginx:1.999"), Lookup::NoSuchTag { .. }));
        assert!(matches!(
            lookup("gcr.io/google-samples/gb-frontend:v5"),
            Lookup::Assumed { .. }
        ));
        assert!(matches!(lookup("myapp:v1"), Lookup::Assumed { .. }));
    }

    #[test]
    fn published_versions_exist_beside_the_listed_tags() {
        // Tags the kubernetes.io examples use.
        for image in [
            "nginx:1.15",
            "nginx:1.7.9",
            "docker.io/redis:6.0.5",
            "registry.k8s.io/pause:3.8",
            "registry.k8s.io/pause:2.0",
            "docker.io/library/python:3",
            "python:3.11-slim-bookworm",
            "mysql:9",
            "node:18-alpine",
        ] {
            assert!(
                matches!(lookup(image), Lookup::Known { .. }),
                "{image}: {:?}",
                lookup(image)
            );
        }
        for image in [
            "nginx:1.166",
            "nginx:2",
            "redis:9.1",
            "python:3.99",
            "nginx:1.15_x",
        ] {
            assert!(
                matches!(lookup(image), Lookup::NoSuchTag { .. }),
                "{image}: {:?}",
                lookup(image)
            );
        }
        // An alpine variant weighs what the listed alpine variant does.
        assert!(matches!(
            lookup("node:18-alpine"),
            Lookup::Known { size_bytes, .. } if size_bytes < 50_000_000
        ));
    }
}
