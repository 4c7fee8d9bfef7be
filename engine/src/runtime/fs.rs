//! The files a container sees: its own writable layer (a fresh copy of its
//! image's files every time the container starts) and the pod's volumes
//! mounted into it. Every tree lives in one `Filesystems` value per pod, so
//! an `emptyDir` written by an init container is there for the app
//! containers, as on a real node.

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

/// Bounds that keep a runaway script from growing memory without end.
const MAX_FILE_BYTES: usize = 64 * 1024;
const MAX_NODES_PER_TREE: usize = 4096;

/// Which tree a path lives in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TreeId {
    /// A container's own files, by container name.
    Container(String),
    /// A pod volume, by volume name.
    Volume(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Dir,
    File(String),
}

/// A file's permission bits when nothing says otherwise.
pub const DEFAULT_FILE_MODE: u32 = 0o644;

/// One tree of files: absolute, normalised paths to nodes. `/` always exists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
    /// Permission bits of the files that are not 0644 (a volume's defaultMode).
    modes: BTreeMap<String, u32>,
}

/// What went wrong, worded as busybox words it after the program name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    IsDir,
    NotDir,
    Exists,
    NotEmpty,
    NoSpace,
    ReadOnly,
}

impl FsError {
    pub fn text(self) -> &'static str {
        match self {
            FsError::NotFound => "No such file or directory",
            FsError::IsDir => "Is a directory",
            FsError::NotDir => "Not a directory",
            FsError::Exists => "File exists",
            FsError::NotEmpty => "Directory not empty",
            FsError::NoSpace => "No space left on device",
            FsError::ReadOnly => "Read-only file system",
        }
    }
}

/// What a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

impl Tree {
    /// A tree with these directories and files (parents are created).
    pub fn with(dirs: &[&str], files: &[(&str, &str)]) -> Tree {
        let mut tree = Tree::default();
        for dir in dirs {
            tree.mkdir_all(&normalize("/", dir));
        }
        for (path, content) in files {
            let path = normalize("/", path);
            tree.mkdir_all(parent(&path));
            tree.nodes.insert(path, Node::File(content.to_string()));
        }
        tree
    }

    /// Puts a file with its permission bits (parents are created).
    pub fn insert_file(&mut self, path: &str, content: &str, mode: u32) {
        let path = normalize("/", path);
        self.mkdir_all(parent(&path));
        if mode == DEFAULT_FILE_MODE {
            self.modes.remove(&path);
        } else {
            self.modes.insert(path.clone(), mode);
        }
        self.nodes.insert(path, Node::File(content.to_string()));
    }

    fn mkdir_all(&mut self, path: &str) {
        let mut current = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            current.push('/');
            current.push_str(part);
            self.nodes.entry(current.clone()).or_insert(Node::Dir);
        }
    }

    fn kind(&self, path: &str) -> Option<Kind> {
        if path == "/" {
            return Some(Kind::Dir);
        }
        match self.nodes.get(path)? {
            Node::Dir => Some(Kind::Dir),
            Node::File(_) => Some(Kind::File),
        }
    }

    fn children(&self, dir: &str) -> Vec<(String, Kind)> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/'))
            .map(|(k, n)| {
                (
                    k[prefix.len()..].to_string(),
                    match n {
                        Node::Dir => Kind::Dir,
                        Node::File(_) => Kind::File,
                    },
                )
            })
            .collect()
    }
}

/// A container's view: its root tree and the volumes mounted into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub root: TreeId,
    /// (mount path, volume tree, read-only), longest mount paths first.
    mounts: Vec<(String, TreeId, bool)>,
}

impl View {
    pub fn new(root: TreeId, mut mounts: Vec<(String, TreeId, bool)>) -> View {
        for m in mounts.iter_mut() {
            m.0 = normalize("/", &m.0);
        }
        crate::sorting::sort_by(&mut mounts, |a, b| {
            b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0))
        });
        View { root, mounts }
    }

    /// The tree and path within it that an absolute path names.
    fn resolve(&self, path: &str) -> (TreeId, String, bool) {
        for (mount, tree, read_only) in &self.mounts {
            if path == mount {
                return (tree.clone(), "/".to_string(), *read_only);
            }
            if let Some(rest) = path.strip_prefix(mount.as_str()) {
                if rest.starts_with('/') {
                    return (tree.clone(), rest.to_string(), *read_only);
                }
            }
        }
        (self.root.clone(), path.to_string(), false)
    }

    /// Mount points directly inside a directory (they show as directories).
    fn mount_children(&self, dir: &str) -> Vec<String> {
        self.mounts
            .iter()
            .filter_map(|(m, _, _)| {
                let rest = if dir == "/" {
                    m.strip_prefix('/')
                } else {
                    m.strip_prefix(dir).and_then(|r| r.strip_prefix('/'))
                }?;
                (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
            })
            .collect()
    }
}

/// `dir/name` made absolute and normalised (`.`, `..`, repeated slashes).
pub fn normalize(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The last component of a path (`/tmp/a` → `a`).
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Every tree of one pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filesystems {
    trees: BTreeMap<TreeId, Tree>,
    /// Counts changes, so a caller can tell whether something wrote.
    changes: u64,
}

impl Filesystems {
    pub fn set_tree(&mut self, id: TreeId, tree: Tree) {
        self.changes += 1;
        self.trees.insert(id, tree);
    }

    /// How many changes were made so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    pub fn has_tree(&self, id: &TreeId) -> bool {
        self.trees.contains_key(id)
    }

    /// Makes the mount points of a view exist as directories in its root tree.
    pub fn prepare_mounts(&mut self, view: &View) {
        let tree = self.trees.entry(view.root.clone()).or_default();
        for (mount, _, _) in &view.mounts {
            tree.mkdir_all(mount);
        }
        for (_, id, _) in &view.mounts {
            self.trees.entry(id.clone()).or_default();
        }
    }

    pub fn tree(&self, id: &TreeId) -> Option<&Tree> {
        self.trees.get(id)
    }

    fn tree_mut(&mut self, id: &TreeId) -> &mut Tree {
        self.changes += 1;
        self.trees.entry(id.clone()).or_default()
    }

    pub fn kind(&self, view: &View, path: &str) -> Option<Kind> {
        let (id, inner, _) = view.resolve(path);
        if inner == "/" {
            return Some(Kind::Dir);
        }
        if view.mounts.iter().any(|(m, _, _)| m == path) {
            return Some(Kind::Dir);
        }
        self.tree(&id)?.kind(&inner)
    }

    /// A file's permission bits (`ls -l`).
    pub fn mode(&self, view: &View, path: &str) -> u32 {
        let (id, inner, _) = view.resolve(path);
        self.tree(&id)
            .and_then(|t| t.modes.get(&inner).copied())
            .unwrap_or(DEFAULT_FILE_MODE)
    }

    pub fn read(&self, view: &View, path: &str) -> Result<String, FsError> {
        let (id, inner, _) = view.resolve(path);
        let tree = self.tree(&id).ok_or(FsError::NotFound)?;
        match tree.nodes.get(&inner) {
            Some(Node::File(content)) => Ok(content.clone()),
            Some(Node::Dir) => Err(FsError::IsDir),
            None if inner == "/" => Err(FsError::IsDir),
            None => Err(FsError::NotFound),
        }
    }

    fn check_parent(&self, view: &View, path: &str) -> Result<(), FsError> {
        match self.kind(view, parent(path)) {
            Some(Kind::Dir) => Ok(()),
            Some(Kind::File) => Err(FsError::NotDir),
            None => Err(FsError::NotFound),
        }
    }

    /// Writes (or appends to) a file; its directory must exist.
    pub fn write(
        &mut self,
        view: &View,
        path: &str,
        content: &str,
        append: bool,
    ) -> Result<(), FsError> {
        let (id, inner, read_only) = view.resolve(path);
        if self.kind(view, path) == Some(Kind::Dir) {
            return Err(FsError::IsDir);
        }
        self.check_parent(view, path)?;
        if read_only {
            return Err(FsError::ReadOnly);
        }
        let tree = self.tree_mut(&id);
        if !tree.nodes.contains_key(&inner) && tree.nodes.len() >= MAX_NODES_PER_TREE {
            return Err(FsError::NoSpace);
        }
        let entry = tree
            .nodes
            .entry(inner)
            .or_insert_with(|| Node::File(String::new()));
        if let Node::File(existing) = entry {
            if !append {
                existing.clear();
            }
            let room = MAX_FILE_BYTES.saturating_sub(existing.len());
            if content.len() > room {
                let mut cut = room;
                while !content.is_char_boundary(cut) {
                    cut -= 1;
                }
                existing.push_str(&content[..cut]);
                return Err(FsError::NoSpace);
            }
            existing.push_str(content);
        }
        Ok(())
    }

    /// Creates an empty file if there is none (`touch`).
    pub fn touch(&mut self, view: &View, path: &str) -> Result<(), FsError> {
        match self.kind(view, path) {
            Some(_) => Ok(()),
            None => self.write(view, path, "", true),
        }
    }

    pub fn mkdir(&mut self, view: &View, path: &str, parents: bool) -> Result<(), FsError> {
        match self.kind(view, path) {
            Some(Kind::Dir) if parents => return Ok(()),
            Some(_) => return Err(FsError::Exists),
            None => {}
        }
        if parents {
            let mut current = String::new();
            for part in path.split('/').filter(|p| !p.is_empty()) {
                current.push('/');
                current.push_str(part);
                match self.kind(view, &current) {
                    Some(Kind::Dir) => continue,
                    Some(Kind::File) => return Err(FsError::NotDir),
                    None => self.create_dir(view, &current)?,
                }
            }
            return Ok(());
        }
        self.check_parent(view, path)?;
        self.create_dir(view, path)
    }

    fn create_dir(&mut self, view: &View, path: &str) -> Result<(), FsError> {
        let (id, inner, read_only) = view.resolve(path);
        if read_only {
            return Err(FsError::ReadOnly);
        }
        let tree = self.tree_mut(&id);
        if tree.nodes.len() >= MAX_NODES_PER_TREE {
            return Err(FsError::NoSpace);
        }
        tree.nodes.insert(inner, Node::Dir);
        Ok(())
    }

    /// Removes a file, or a directory with `recursive` (or an empty one with `dir_ok`).
    pub fn remove(
        &mut self,
        view: &View,
        path: &str,
        recursive: bool,
        dir_ok: bool,
    ) -> Result<(), FsError> {
        let (id, inner, read_only) = view.resolve(path);
        let kind = self.kind(view, path).ok_or(FsError::NotFound)?;
        if inner == "/" {
            // A mount point or the root: busybox refuses, and so do we.
            return Err(FsError::IsDir);
        }
        if read_only {
            return Err(FsError::ReadOnly);
        }
        let tree = self.tree_mut(&id);
        if kind == Kind::Dir {
            let has_children = !tree.children(&inner).is_empty();
            if !recursive && (!dir_ok || has_children) {
                return Err(if dir_ok {
                    FsError::NotEmpty
                } else {
                    FsError::IsDir
                });
            }
            let prefix = format!("{inner}/");
            tree.nodes.retain(|k, _| !k.starts_with(&prefix));
            tree.modes.retain(|k, _| !k.starts_with(&prefix));
        }
        tree.nodes.remove(&inner);
        tree.modes.remove(&inner);
        Ok(())
    }

    /// Names in a directory, sorted, with mount points.
    pub fn list(&self, view: &View, dir: &str) -> Result<Vec<(String, Kind)>, FsError> {
        match self.kind(view, dir) {
            None => return Err(FsError::NotFound),
            Some(Kind::File) => return Err(FsError::NotDir),
            Some(Kind::Dir) => {}
        }
        let (id, inner, _) = view.resolve(dir);
        let mut names: BTreeMap<String, Kind> = self
            .tree(&id)
            .map(|t| t.children(&inner))
            .unwrap_or_default()
            .into_iter()
            .collect_map();
        for m in view.mount_children(dir) {
            names.insert(m, Kind::Dir);
        }
        Ok(names.into_iter().collect())
    }

    /// Copies a file (`cp`).
    pub fn copy(&mut self, view: &View, from: &str, to: &str) -> Result<(), FsError> {
        let content = self.read(view, from)?;
        let target = if self.kind(view, to) == Some(Kind::Dir) {
            normalize(to, base_name(from))
        } else {
            to.to_string()
        };
        self.write(view, &target, &content, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Filesystems, View) {
        let mut fs = Filesystems::default();
        fs.set_tree(
            TreeId::Container("app".into()),
            Tree::with(&["/tmp", "/etc"], &[("/etc/hostname", "web\n")]),
        );
        let view = View::new(
            TreeId::Container("app".into()),
            vec![("/data".into(), TreeId::Volume("shared".into()), false)],
        );
        fs.prepare_mounts(&view);
        (fs, view)
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize("/", "tmp/../etc//x"), "/etc/x");
        assert_eq!(normalize("/a/b", ".."), "/a");
        assert_eq!(normalize("/", "/"), "/");
        assert_eq!(normalize("/", "../.."), "/");
    }

    #[test]
    fn files_come_and_go() {
        let (mut fs, view) = setup();
        assert_eq!(fs.read(&view, "/tmp/healthy"), Err(FsError::NotFound));
        fs.touch(&view, "/tmp/healthy").unwrap();
        assert_eq!(fs.read(&view, "/tmp/healthy"), Ok(String::new()));
        fs.write(&view, "/tmp/healthy", "ok\n", true).unwrap();
        assert_eq!(fs.read(&view, "/tmp/healthy").unwrap(), "ok\n");
        fs.remove(&view, "/tmp/healthy", false, false).unwrap();
        assert_eq!(fs.kind(&view, "/tmp/healthy"), None);
        assert_eq!(
            fs.write(&view, "/nope/file", "x", false),
            Err(FsError::NotFound)
        );
        assert_eq!(fs.remove(&view, "/tmp", false, false), Err(FsError::IsDir));
        assert_eq!(fs.read(&view, "/tmp"), Err(FsError::IsDir));
    }

    #[test]
    fn volumes_are_shared_between_views() {
        let (mut fs, view) = setup();
        fs.write(&view, "/data/index.html", "hello", false).unwrap();
        let other = View::new(
            TreeId::Container("web".into()),
            vec![(
                "/usr/share/nginx/html".into(),
                TreeId::Volume("shared".into()),
                false,
            )],
        );
        fs.prepare_mounts(&other);
        assert_eq!(
            fs.read(&other, "/usr/share/nginx/html/index.html").unwrap(),
            "hello"
        );
        assert_eq!(
            fs.list(&view, "/").unwrap(),
            vec![
                ("data".to_string(), Kind::Dir),
                ("etc".to_string(), Kind::Dir),
                ("tmp".to_string(), Kind::Dir)
            ]
        );
        assert_eq!(
            fs.remove(&view, "/data", true, false),
            Err(FsError::IsDir),
            "a mount point cannot be removed"
        );
    }

    #[test]
    fn files_keep_their_modes() {
        let mut tree = Tree::default();
        tree.insert_file("keys/id", "secret", 0o400);
        tree.insert_file("plain", "x", DEFAULT_FILE_MODE);
        let mut fs = Filesystems::default();
        fs.set_tree(TreeId::Volume("v".into()), tree);
        let view = View::new(
            TreeId::Container("c".into()),
            vec![("/etc/v".into(), TreeId::Volume("v".into()), true)],
        );
        fs.prepare_mounts(&view);
        assert_eq!(fs.read(&view, "/etc/v/keys/id").unwrap(), "secret");
        assert_eq!(fs.mode(&view, "/etc/v/keys/id"), 0o400);
        assert_eq!(fs.mode(&view, "/etc/v/plain"), DEFAULT_FILE_MODE);
        assert_eq!(
            fs.write(&view, "/etc/v/plain", "y", false),
            Err(FsError::ReadOnly)
        );
    }

    #[test]
    fn runaway_writes_are_bounded() {
        let (mut fs, view) = setup();
        let chunk = "x".repeat(1000);
        let mut result = Ok(());
        for _ in 0..100 {
            result = fs.write(&view, "/tmp/big", &chunk, true);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(FsError::NoSpace));
        assert_eq!(fs.read(&view, "/tmp/big").unwrap().len(), MAX_FILE_BYTES);
    }
}
