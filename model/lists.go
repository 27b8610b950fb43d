package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The limits of lists, from the contract.
const (
	MaxListNameLength = 100
	MaxListMembers    = 50  // per list, the OWNER included
	MaxOwnedLists     = 100 // per user, the Inbox not included
)

// InboxName is what a new Inbox is called; its owner may rename it.
const InboxName = "Inbox"

// inboxNamespace is the UUID namespace of Inbox ids (the lists migration uses the same).
var inboxNamespace = uuid.MustParse("6f1d2a4e-3c1b-4f6e-9a57-2b8c0d9e4a13")

// InboxID returns the id of the user's Inbox: the SHA-1 UUID of the user id, so that the Inbox can be made when
// first needed by an insert that a concurrent one cannot duplicate, and found without a read.
func InboxID(userID string) uuid.UUID { return uuid.NewSHA1(inboxNamespace, []byte(userID)) }

// memberOf is the membership condition: the lists the user (the one argument) is a member of. Every statement on a
// list, its members or its invitations carries it (or a join on list_members with the user's id), so that what a
// user may not see behaves as if it did not exist.
const memberOf = "SELECT list_id FROM list_members WHERE user_id = ?"

// ownerOf is memberOf narrowed to the lists the user owns.
const ownerOf = "SELECT list_id FROM list_members WHERE user_id = ? AND role = 'OWNER'"

// TaskList is a list of tasks as one member sees it. Times are UTC with millisecond precision.
type TaskList struct {
	bun.BaseModel `bun:"table:lists,alias:l"`

	ID      uuid.UUID `bun:"id,pk"`
	OwnerID string    `bun:"owner_id,notnull"`
	Name    string    `bun:"name,notnull"`
	// NameFold is strings.ToLower of Name, stored so that lists sort case-insensitively the same on both databases.
	NameFold  string    `bun:"name_fold,notnull"`
	IsInbox   bool      `bun:"is_inbox,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`

	// ViewerRole is the role of the user who read the list. For the list of an invitation previewed by someone
	// who is not a member, it is the role that accepting would give.
	ViewerRole ListRole `bun:"viewer_role,scanonly"`
}

var _ bun.AfterScanRowHook = (*TaskList)(nil)

// AfterScanRow puts the times read from the database in UTC.
func (l *TaskList) AfterScanRow(context.Context) error {
	l.CreatedAt = l.CreatedAt.UTC()
	l.UpdatedAt = l.UpdatedAt.UTC()
	return nil
}

// listMember is one row of list_members: the boundary of who sees what.
type listMember struct {
	bun.BaseModel `bun:"table:list_members,alias:lm"`

	ListID   uuid.UUID `bun:"list_id,pk"`
	UserID   string    `bun:"user_id,pk"`
	Role     ListRole  `bun:"role,notnull"`
	JoinedAt time.Time `bun:"joined_at,notnull"`
}

// ListMember is one member of a list, with what the viewer may see of them.
type ListMember struct {
	User     *User
	Role     ListRole
	JoinedAt time.Time
}

// CreateListInput is a new list as the client sent it.
type CreateListInput struct {
	Name string
}

// ListPatch is an update of a list: unset fields stay as they are.
type ListPatch struct {
	Name Optional[string]
}

// listName validates and trims a list name, reporting problems at field.
func (p *problems) listName(s string, field ...string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		p.add(UserErrorCodeBlank, "Name can't be blank.", field...)
	case n > MaxListNameLength:
		p.add(UserErrorCodeTooLong, "Name is too long (at most "+strconv.Itoa(MaxListNameLength)+" characters).", field...)
	case strings.ContainsRune(s, 0):
		p.add(UserErrorCodeInvalid, "Name can't contain NUL characters.", field...)
	}
	return s
}

// ensureInbox makes the user's Inbox, with the user as its OWNER, unless it exists. Both inserts do nothing when
// their row exists, so concurrent calls make one Inbox.
func ensureInbox(ctx context.Context, db bun.IDB, userID string, now time.Time) error {
	inbox := &TaskList{
		ID: InboxID(userID), OwnerID: userID, Name: InboxName, NameFold: Fold(InboxName), IsInbox: true,
		CreatedAt: now, UpdatedAt: now,
	}
	if _, err := db.NewInsert().Model(inbox).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("create the inbox: %w", err)
	}
	owner := &listMember{ListID: inbox.ID, UserID: userID, Role: ListRoleOwner, JoinedAt: now}
	if _, err := db.NewInsert().Model(owner).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("create the inbox: %w", err)
	}
	return nil
}

// EnsureInbox makes the user's Inbox unless it exists, and returns its id.
func (s *Store) EnsureInbox(ctx context.Context, userID string) (uuid.UUID, error) {
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		return ensureInbox(ctx, tx, userID, TruncateTime(s.now()))
	})
	return InboxID(userID), storeError("ensure inbox", err)
}

// selectLists is the lists the user is a member of, with the user's role.
func selectLists(db bun.IDB, userID string, dst any) *bun.SelectQuery {
	return db.NewSelect().Model(dst).ColumnExpr("l.*").ColumnExpr("m.role AS viewer_role").
		Join("JOIN list_members AS m ON m.list_id = l.id AND m.user_id = ?", userID)
}

// Lists returns every list the user is a member of: the Inbox first (made now if the user has none yet), then the
// others by name, case-insensitively, then id.
func (s *Store) Lists(ctx context.Context, userID string) ([]*TaskList, error) {
	read := func() ([]*TaskList, error) {
		var lists []*TaskList
		err := selectLists(s.db, userID, &lists).
			OrderExpr("CASE WHEN l.is_inbox AND l.owner_id = ? THEN 0 ELSE 1 END", userID).
			OrderExpr("l.name_fold ASC, l.id ASC").Scan(ctx)
		return lists, err
	}
	lists, err := read()
	if err != nil {
		return nil, storeError("lists", err)
	}
	if len(lists) == 0 || !lists[0].IsInbox || lists[0].OwnerID != userID {
		if _, err := s.EnsureInbox(ctx, userID); err != nil {
			return nil, err
		}
		if lists, err = read(); err != nil {
			return nil, storeError("lists", err)
		}
	}
	return lists, nil
}

// List returns one list the user is a member of. Returns ErrListNotFound when there is no such list or the user
// is not a member; the user's own Inbox is made if it does not exist yet.
func (s *Store) List(ctx context.Context, userID string, id uuid.UUID) (*TaskList, error) {
	list, err := getList(ctx, s.db, userID, id, false)
	if errors.Is(err, ErrListNotFound) && id == InboxID(userID) {
		if _, err := s.EnsureInbox(ctx, userID); err != nil {
			return nil, err
		}
		list, err = getList(ctx, s.db, userID, id, false)
	}
	return list, storeError("list", err)
}

// getList reads one list the user is a member of, with the user's role, locking it for the transaction when lock
// is set (which is how membership changes, invitations and limits of one list take turns). Returns
// ErrListNotFound when the user is not a member.
func getList(ctx context.Context, db bun.IDB, userID string, id uuid.UUID, lock bool) (*TaskList, error) {
	list := new(TaskList)
	q := selectLists(db, userID, list).Where("l.id = ?", id)
	if lock && IsPostgres(db) {
		// The list's row alone: a task write locks it FOR SHARE before the member's row (writeRole), and taking
		// the member's row here too, in whatever order the join reads them, could make the two wait in a circle.
		q = q.For("UPDATE OF l")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrListNotFound
		}
		return nil, err
	}
	return list, nil
}

// ownedList reads a list for a write only its OWNER may make, locked: ErrListNotFound when the user is not a
// member, ErrForbidden when they are but not its OWNER.
func ownedList(ctx context.Context, db bun.IDB, userID string, id uuid.UUID) (*TaskList, error) {
	list, err := getList(ctx, db, userID, id, true)
	if err != nil {
		return nil, err
	}
	if list.ViewerRole != ListRoleOwner {
		return nil, ErrForbidden
	}
	return list, nil
}

// CreateList makes a list with the user as its OWNER. Returns *ValidationError for an invalid name (BLANK,
// TOO_LONG at ["input", "name"]) and for a user who already owns MaxOwnedLists lists besides the Inbox (TOO_MANY).
func (s *Store) CreateList(ctx context.Context, userID string, in CreateListInput) (*TaskList, error) {
	var p problems
	name := p.listName(in.Name, "input", "name")
	if err := p.err(); err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("model: create list: %w", err)
	}
	now := TruncateTime(s.now())
	list := &TaskList{ID: id, OwnerID: userID, Name: name, NameFold: Fold(name), CreatedAt: now, UpdatedAt: now,
		ViewerRole: ListRoleOwner}
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		if err := ensureInbox(ctx, tx, userID, now); err != nil {
			return err
		}
		// The user's Inbox row is their lock: two concurrent creations count one after the other.
		if _, err := getList(ctx, tx, userID, InboxID(userID), true); err != nil {
			return err
		}
		owned, err := tx.NewSelect().TableExpr("list_members AS m").Join("JOIN lists AS l ON l.id = m.list_id").
			Where("m.user_id = ?", userID).Where("m.role = ?", ListRoleOwner).Where("NOT l.is_inbox").Count(ctx)
		if err != nil {
			return err
		}
		if owned >= MaxOwnedLists {
			p.add(UserErrorCodeTooMany, "You can own at most "+strconv.Itoa(MaxOwnedLists)+" lists besides your Inbox.", "input")
			return p.err()
		}
		if _, err := tx.NewInsert().Model(list).Exec(ctx); err != nil {
			return err
		}
		if _, err = tx.NewInsert().Model(&listMember{ListID: id, UserID: userID, Role: ListRoleOwner, JoinedAt: now}).
			Exec(ctx); err != nil {
			return err
		}
		tx.recordFor(userID, userID, now, NewEvent{Kind: TaskEventListAdded, ListID: id})
		return nil
	})
	if err != nil {
		return nil, storeError("create list", err)
	}
	return list, nil
}

// UpdateList applies a patch to a list: only its name, which only its OWNER may change (the Inbox's too). Returns
// ErrListNotFound when the user is not a member, ErrForbidden when they are not its OWNER, then *ValidationError for
// an invalid name (an explicit null is INVALID). updatedAt moves only when the name changes.
func (s *Store) UpdateList(ctx context.Context, userID string, id uuid.UUID, patch ListPatch) (*TaskList, error) {
	var list *TaskList
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		if list, err = ownedList(ctx, tx, userID, id); err != nil {
			return err
		}
		if !patch.Name.Set {
			return nil
		}
		var p problems
		if patch.Name.Null {
			p.add(UserErrorCodeInvalid, "The name can't be null.", "input", "name")
			return p.err()
		}
		name := p.listName(patch.Name.Value, "input", "name")
		if err := p.err(); err != nil {
			return err
		}
		if name == list.Name {
			return nil
		}
		list.Name, list.NameFold, list.UpdatedAt = name, Fold(name), TruncateTime(s.now())
		if _, err = tx.NewUpdate().Model(list).Column("name", "name_fold", "updated_at").
			Where("l.id = ?", id).Where("l.id IN ("+ownerOf+")", userID).Exec(ctx); err != nil {
			return err
		}
		tx.recordList(userID, list.UpdatedAt, TaskEventListUpdated, id)
		return nil
	})
	if err != nil {
		return nil, storeError("update list", err)
	}
	return list, nil
}

// DeleteList deletes a list with its tasks (and their reminders), members and invitations, and returns the ids of
// the tasks it deleted. Every member gets LIST_REMOVED, and no per-task DELETED. Returns ErrListNotFound when the
// user is not a member, ErrForbidden when they are not its OWNER, and *ValidationError (INVALID) for the Inbox,
// which cannot be deleted.
func (s *Store) DeleteList(ctx context.Context, userID string, id uuid.UUID) ([]uuid.UUID, error) {
	deleted := []uuid.UUID{}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		list, err := ownedList(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		if list.IsInbox {
			var p problems
			p.add(UserErrorCodeInvalid, "The Inbox can't be deleted.", "id")
			return p.err()
		}
		// The members before they go: each of them loses the list.
		var members []string
		if err := tx.NewSelect().Model((*listMember)(nil)).Column("lm.user_id").Where("lm.list_id = ?", id).
			Where("lm.list_id IN ("+ownerOf+")", userID).OrderExpr("lm.user_id").Scan(ctx, &members); err != nil {
			return err
		}
		// The tasks (their tags and reminders go with them, ON DELETE CASCADE), then the list; members and
		// invitations go with it (ON DELETE CASCADE).
		// Its trash goes too: a trashed task always has its list to go back to. Live and trashed tasks are deleted
		// in two statements, each on the index of its kind.
		for _, cond := range []string{liveTasks, trashedTasks} {
			var ids []uuid.UUID
			if _, err := tx.NewDelete().Model((*Task)(nil)).Where("t.list_id = ?", id).Where(cond).
				Where("t.list_id IN ("+ownerOf+")", userID).Returning("id").Exec(ctx, &ids); err != nil {
				return err
			}
			deleted = append(deleted, ids...)
		}
		slices.SortFunc(deleted, compareUUID)
		if _, err = tx.NewDelete().Model((*TaskList)(nil)).Where("l.id = ?", id).Where("l.id IN ("+ownerOf+")", userID).
			Exec(ctx); err != nil {
			return err
		}
		now := TruncateTime(s.now())
		for _, m := range members {
			tx.recordFor(m, userID, now, NewEvent{Kind: TaskEventListRemoved, ListID: id})
		}
		return nil
	})
	if err != nil {
		return nil, storeError("delete list", err)
	}
	return deleted, nil
}

// ListMembers returns the members of a list the user is a member of: the OWNER first, then by joinedAt. Returns
// ErrListNotFound when the user is not a member.
func (s *Store) ListMembers(ctx context.Context, userID string, listID uuid.UUID) ([]*ListMember, error) {
	var rows []listMember
	if err := s.db.NewSelect().Model(&rows).Where("lm.list_id = ?", listID).Where("lm.list_id IN ("+memberOf+")", userID).
		OrderExpr("CASE WHEN lm.role = 'OWNER' THEN 0 ELSE 1 END, lm.joined_at ASC, lm.user_id ASC").Scan(ctx); err != nil {
		return nil, storeError("list members", err)
	}
	if len(rows) == 0 {
		return nil, ErrListNotFound
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.UserID
	}
	users, err := s.Users(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*ListMember, len(rows))
	for i, r := range rows {
		out[i] = &ListMember{User: users[i], Role: r.Role, JoinedAt: r.JoinedAt.UTC()}
	}
	return out, nil
}

// SetListMemberRole gives a member of a list the user owns another role, and returns the list. Returns
// ErrListNotFound when the user is not a member, ErrForbidden when they are not its OWNER, ErrUserNotFound when
// memberID is not a member, and *ValidationError (INVALID) for OWNER (a list has exactly one) or a change of the
// OWNER's own role.
func (s *Store) SetListMemberRole(ctx context.Context, userID string, listID uuid.UUID, memberID string, role ListRole) (*TaskList, error) {
	var list *TaskList
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		if list, err = ownedList(ctx, tx, userID, listID); err != nil {
			return err
		}
		current, err := memberRole(ctx, tx, userID, listID, memberID)
		if err != nil {
			return err
		}
		var p problems
		switch {
		case !role.IsValid():
			p.add(UserErrorCodeInvalid, "Role is not valid.", "role")
		case role == ListRoleOwner:
			p.add(UserErrorCodeInvalid, "A list has exactly one owner; the role can be EDITOR or VIEWER.", "role")
		case current == ListRoleOwner:
			p.add(UserErrorCodeInvalid, "The owner's role can't be changed.", "userId")
		}
		if err := p.err(); err != nil {
			return err
		}
		if role == current {
			return nil
		}
		if _, err = tx.NewUpdate().Model((*listMember)(nil)).Set("role = ?", role).
			Where("lm.list_id = ?", listID).Where("lm.user_id = ?", memberID).
			Where("lm.list_id IN ("+ownerOf+")", userID).Exec(ctx); err != nil {
			return err
		}
		tx.recordList(userID, TruncateTime(s.now()), TaskEventListUpdated, listID)
		return nil
	})
	if err != nil {
		return nil, storeError("set list member role", err)
	}
	return list, nil
}

// memberRole returns the role of memberID in a list the user is a member of; ErrUserNotFound when memberID is not
// a member of it.
func memberRole(ctx context.Context, db bun.IDB, userID string, listID uuid.UUID, memberID string) (ListRole, error) {
	var role ListRole
	err := db.NewSelect().Model((*listMember)(nil)).Column("lm.role").
		Where("lm.list_id = ?", listID).Where("lm.user_id = ?", memberID).
		Where("lm.list_id IN ("+memberOf+")", userID).Scan(ctx, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrUserNotFound
	}
	return role, err
}

// RemoveListMember takes memberID out of a list: the OWNER removes anyone else, and anyone but the OWNER removes
// themselves (leaves). Returns ErrListNotFound
// when the user is not a member, ErrUserNotFound when memberID is not a member, ErrForbidden when someone other
// than the OWNER removes another member, and *ValidationError (INVALID) when the OWNER would remove themselves
// (the Inbox included, which cannot be left). The member is unassigned from the list's tasks in the same
// transaction, with an UPDATED event for each, to the members who remain (see unassignMember).
func (s *Store) RemoveListMember(ctx context.Context, userID string, listID uuid.UUID, memberID string) (*TaskList, error) {
	var list *TaskList
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		if list, err = getList(ctx, tx, userID, listID, true); err != nil {
			return err
		}
		current, err := memberRole(ctx, tx, userID, listID, memberID)
		if err != nil {
			return err
		}
		switch {
		case memberID == userID && current == ListRoleOwner:
			var p problems
			if list.IsInbox {
				p.add(UserErrorCodeInvalid, "The Inbox can't be left.", "userId")
			} else {
				p.add(UserErrorCodeInvalid, "The owner can't leave the list; delete it instead.", "userId")
			}
			return p.err()
		case memberID != userID && list.ViewerRole != ListRoleOwner:
			return ErrForbidden
		}
		// Their assignments go with their membership, in the same transaction, read before it goes (when a member
		// leaves, the statement's condition is their own membership).
		now := TruncateTime(s.now())
		if err := unassignMember(ctx, tx, userID, listID, memberID, now); err != nil {
			return err
		}
		// The member's own reminders on the list's tasks go with their membership, read before it goes (the
		// statement's condition needs it); reminders are the member's own rows.
		if _, err := tx.NewDelete().Model((*Reminder)(nil)).Where("r.user_id = ?", memberID).
			Where("EXISTS (SELECT 1 FROM tasks AS t WHERE t.id = r.task_id AND t.list_id = ? AND t.list_id IN ("+memberOf+"))",
				listID, userID).
			Exec(ctx); err != nil {
			return err
		}
		// The statement carries the rule again: the member themselves, or the list's OWNER.
		if _, err = tx.NewDelete().Model((*listMember)(nil)).Where("lm.list_id = ?", listID).Where("lm.user_id = ?", memberID).
			Where("(lm.user_id = ? OR lm.list_id IN ("+ownerOf+"))", userID, userID).Exec(ctx); err != nil {
			return err
		}
		// The removed member loses the list; the members who remain (read at commit) see it lost one.
		tx.recordFor(memberID, userID, now, NewEvent{Kind: TaskEventListRemoved, ListID: listID})
		tx.recordList(userID, now, TaskEventListUpdated, listID)
		return nil
	})
	if err != nil {
		return nil, storeError("remove list member", err)
	}
	return list, nil
}
