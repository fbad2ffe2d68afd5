//! The permission table in the code and the one in the README are the same table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use folio::auth::permissions::{Action, allows};
use folio::runtime::Role;

#[test]
fn the_readme_table_is_the_code_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Roles and permissions")
        .nth(1)
        .expect("the README has the section");
    let rows: Vec<Vec<&str>> = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // header and alignment row
        .map(|line| line.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), Action::ALL.len(), "one README row per action");

    for (row, action) in rows.iter().zip(Action::ALL) {
        let header_roles = [
            Role::Contributor,
            Role::Author,
            Role::Editor,
            Role::Administrator,
            Role::Owner,
        ];
        for (cell, role) in row[1..].iter().zip(header_roles) {
            assert_eq!(
                *cell == "✓",
                allows(role, action),
                "README row {:?}, role {role}",
                row[0]
            );
        }
    }
}

#[test]
fn each_role_may_do_what_the_roles_below_it_may() {
    for action in Action::ALL {
        let allowed: Vec<bool> = Role::ALL
            .into_iter()
            .map(|role| allows(role, action))
            .collect();
        assert!(
            allowed.windows(2).all(|pair| pair[0] <= pair[1]),
            "{action:?}: {allowed:?}"
        );
        assert!(allows(Role::Owner, action), "the owner may do everything");
    }
    assert!(
        !allows(Role::Contributor, Action::PublishOwnPosts),
        "contributors write drafts only"
    );
    assert!(
        allows(Role::Author, Action::PublishOwnPosts)
            && !allows(Role::Author, Action::ManageAllPosts)
    );
    assert!(
        allows(Role::Editor, Action::ManageAllMedia) && !allows(Role::Editor, Action::ManageUsers)
    );
    assert!(
        allows(Role::Administrator, Action::ManageUsers)
            && !allows(Role::Administrator, Action::TransferOwnership)
    );
}
