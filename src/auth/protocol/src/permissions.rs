//! Who may do what: the one permission table of Folio. Every concern asks here;
//! the README's table is this one written out.

use folio_seam::Role;

/// Actions a role may be allowed. Ownership rules ("their own posts") are
/// checked by the concern that owns the thing, on top of this table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create and edit one's own drafts.
    WriteOwnDrafts,
    /// Publish, schedule and unpublish one's own posts.
    PublishOwnPosts,
    /// Edit, publish and delete anyone's posts.
    ManageAllPosts,
    /// Upload media and manage one's own.
    ManageOwnMedia,
    /// Edit and delete anyone's media.
    ManageAllMedia,
    /// Add, change, disable and remove people; reset their passwords.
    ManageUsers,
    /// Site settings, statistics and fault injection.
    ManageSettings,
    /// Hand the site over to another administrator.
    TransferOwnership,
}

impl Action {
    /// In the order of the README's table.
    pub const ALL: [Action; 8] = [
        Action::WriteOwnDrafts,
        Action::ManageOwnMedia,
        Action::PublishOwnPosts,
        Action::ManageAllPosts,
        Action::ManageAllMedia,
        Action::ManageUsers,
        Action::ManageSettings,
        Action::TransferOwnership,
    ];
}

/// The least powerful role allowed each action; roles are ordered, so every
/// role above it is allowed too.
pub fn minimum_role(action: Action) -> Role {
    match action {
        Action::WriteOwnDrafts | Action::ManageOwnMedia => Role::Contributor,
        Action::PublishOwnPosts => Role::Author,
        Action::ManageAllPosts | Action::ManageAllMedia => Role::Editor,
        Action::ManageUsers | Action::ManageSettings => Role::Administrator,
        Action::TransferOwnership => Role::Owner,
    }
}

pub fn allows(role: Role, action: Action) -> bool {
    role >= minimum_role(action)
}
