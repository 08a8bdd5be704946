//! Categories of an import: a product's category is a path of names from the top
//! (`食品 > 調味料`); each step is matched by name under its parent, and what the shop lacks is
//! created by the same import (parents first) with a slug derived from the path, so the same
//! file names the same new categories every time. A product without a category goes to
//! 「未分類」.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use akinai_domain::catalog::Category;
use akinai_domain::ids::CategoryId;
use akinai_store::transfer::{CategoryRef, ImportCategory};

/// Where products without a category go.
pub const UNSORTED: &str = "未分類";

/// The shop's categories by path, and the ones an import adds.
pub(crate) struct CategoryPaths {
    by_path: HashMap<Vec<String>, CategoryRef>,
    pub(crate) path_of: HashMap<CategoryId, Vec<String>>,
    slugs: HashSet<String>,
    pub(crate) new: Vec<ImportCategory>,
}

impl CategoryPaths {
    pub(crate) fn new(all: &[Category]) -> CategoryPaths {
        let by_id: HashMap<CategoryId, &Category> = all.iter().map(|c| (c.id, c)).collect();
        let mut path_of = HashMap::new();
        for c in all {
            let mut path = vec![c.name.clone()];
            let mut parent = c.parent_id;
            // The tree has no cycles (the admin refuses them); the bound keeps a broken one finite.
            for _ in 0..all.len() {
                let Some(p) = parent.and_then(|p| by_id.get(&p)) else {
                    break;
                };
                path.push(p.name.clone());
                parent = p.parent_id;
            }
            path.reverse();
            path_of.insert(c.id, path);
        }
        let mut by_path = HashMap::new();
        // The first category of a path wins when two share one (ordered by position, id).
        for c in all {
            if let Some(path) = path_of.get(&c.id) {
                by_path
                    .entry(path.clone())
                    .or_insert(CategoryRef::Existing(c.id));
            }
        }
        CategoryPaths {
            by_path,
            path_of,
            slugs: all.iter().map(|c| c.slug.clone()).collect(),
            new: Vec::new(),
        }
    }

    /// The category of `path`, planned for creation (with its parents) when the shop lacks it.
    pub(crate) fn resolve(&mut self, path: &[String]) -> CategoryRef {
        let path: Vec<String> = if path.is_empty() {
            vec![UNSORTED.to_string()]
        } else {
            path.to_vec()
        };
        let mut parent = None;
        for depth in 1..=path.len() {
            let prefix = path[..depth].to_vec();
            let found = match self.by_path.get(&prefix) {
                Some(r) => *r,
                None => {
                    let slug = self.slug_for(&prefix);
                    self.new.push(ImportCategory {
                        parent,
                        name: prefix[depth - 1].clone(),
                        slug,
                        position: 1000 + i64::try_from(self.new.len()).unwrap_or(0),
                    });
                    let r = CategoryRef::New(self.new.len() - 1);
                    self.by_path.insert(prefix, r);
                    r
                }
            };
            parent = Some(found);
        }
        parent.unwrap_or(CategoryRef::New(0))
    }

    /// A slug for a new category: ASCII names keep theirs, others get a digest of the path.
    fn slug_for(&mut self, path: &[String]) -> String {
        let name = path.last().map(String::as_str).unwrap_or("");
        let plain: String = name
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let base = if name.is_ascii() && plain.trim_matches('-').len() >= 2 && plain.len() <= 30 {
            plain.trim_matches('-').to_string()
        } else {
            let digest = hex::encode(Sha256::digest(path.join("\u{1F}").as_bytes()));
            format!("c-{}", &digest[..10])
        };
        let mut slug = base.clone();
        let mut n = 2;
        while !self.slugs.insert(slug.clone()) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reuse_what_exists_and_create_the_rest_parents_first() {
        let food = Category {
            id: CategoryId(1),
            parent_id: None,
            slug: "food".into(),
            name: "食品".into(),
            position: 0,
        };
        let mut paths = CategoryPaths::new(&[food]);
        assert_eq!(
            paths.resolve(&["食品".into()]),
            CategoryRef::Existing(CategoryId(1))
        );
        let sauce = paths.resolve(&["食品".into(), "調味料".into()]);
        assert_eq!(sauce, CategoryRef::New(0));
        assert_eq!(
            paths.new[0].parent,
            Some(CategoryRef::Existing(CategoryId(1)))
        );
        assert_eq!(
            paths.resolve(&["食品".into(), "調味料".into()]),
            sauce,
            "made once"
        );
        assert_eq!(paths.resolve(&[]), CategoryRef::New(1));
        assert_eq!(paths.new[1].name, UNSORTED);
        assert_eq!(paths.resolve(&["Tea".into()]), CategoryRef::New(2));
        assert_eq!(paths.new[2].slug, "tea");
        assert!(paths.new[0].slug.starts_with("c-"));
    }
}
