package model

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The limits of invitations, from the contract.
const (
	MaxOpenInvitations   = 20 // per list
	MinInvitationMinutes = 5
	MaxInvitationMinutes = 43200 // thirty days
	// DefaultInvitationMinutes is the expiry of an invitation that names none: a week.
	DefaultInvitationMinutes = 10080
)

// invitationTokenBytes is the randomness of a token: 256 bits, twice what the contract asks for.
const invitationTokenBytes = 32

// msgUnusableInvitation is the one message of every token that cannot be accepted: unknown, expired, revoked or
// spent look the same, so that a token tells its holder nothing beyond "no".
const msgUnusableInvitation = "This invitation is not valid: it may have expired, been revoked or been used already."

// ListInvitation is an invitation to join a list with a role. Only the SHA-256 of its token is stored. Times are
// UTC with millisecond precision.
type ListInvitation struct {
	bun.BaseModel `bun:"table:list_invitations,alias:i"`

	ID        uuid.UUID  `bun:"id,pk"`
	ListID    uuid.UUID  `bun:"list_id,notnull"`
	Role      ListRole   `bun:"role,notnull"`
	InvitedBy string     `bun:"invited_by,notnull"`
	TokenHash string     `bun:"token_hash,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	SpentAt   *time.Time `bun:"spent_at"`
	SpentBy   *string    `bun:"spent_by"`
	RevokedAt *time.Time `bun:"revoked_at"`

	// List is the invitation's list as the reader sees it (for a previewer who is not a member: its name, and as
	// ViewerRole the role accepting gives).
	List *TaskList `bun:"-"`
}

var _ bun.AfterScanRowHook = (*ListInvitation)(nil)

// AfterScanRow puts the times read from the database in UTC.
func (i *ListInvitation) AfterScanRow(context.Context) error {
	i.ExpiresAt = i.ExpiresAt.UTC()
	i.CreatedAt = i.CreatedAt.UTC()
	i.SpentAt = utcPtr(i.SpentAt)
	i.RevokedAt = utcPtr(i.RevokedAt)
	return nil
}

// open reports whether the invitation can still be accepted at now.
func (i *ListInvitation) open(now time.Time) bool {
	return i.SpentAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// hashToken is what is stored of a token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// openInvitation is the condition of an invitation that can still be accepted (the argument: now).
const openInvitation = "i.spent_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?"

// CreateListInvitation makes an invitation to a list the user owns and returns it with its token, which is shown
// this once: only its hash is kept. Returns ErrListNotFound when the user is not a member, ErrForbidden when they
// are not its OWNER, then *ValidationError: INVALID for the Inbox (at ["listId"]), a role other than EDITOR or
// VIEWER (["role"]) or an expiry outside 5 to 43200 minutes (["expiresIn"]); TOO_MANY when the list already has
// MaxOpenInvitations open invitations or MaxListMembers members.
func (s *Store) CreateListInvitation(ctx context.Context, userID string, listID uuid.UUID, role ListRole, expiresInMinutes int) (*ListInvitation, string, error) {
	var raw [invitationTokenBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", fmt.Errorf("model: create list invitation: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	id, err := uuid.NewV7()
	if err != nil {
		return nil, "", fmt.Errorf("model: create list invitation: %w", err)
	}
	now := TruncateTime(s.now())
	inv := &ListInvitation{ID: id, ListID: listID, Role: role, InvitedBy: userID, TokenHash: hashToken(token),
		ExpiresAt: now.Add(time.Duration(expiresInMinutes) * time.Minute), CreatedAt: now}
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		list, err := ownedList(ctx, tx, userID, listID)
		if err != nil {
			return err
		}
		inv.List = list
		var p problems
		if list.IsInbox {
			p.add(UserErrorCodeInvalid, "The Inbox can't be shared.", "listId")
		}
		if role != ListRoleEditor && role != ListRoleViewer {
			p.add(UserErrorCodeInvalid, "An invitation's role is EDITOR or VIEWER.", "role")
		}
		if expiresInMinutes < MinInvitationMinutes || expiresInMinutes > MaxInvitationMinutes {
			p.add(UserErrorCodeInvalid, "An invitation expires in "+strconv.Itoa(MinInvitationMinutes)+" to "+
				strconv.Itoa(MaxInvitationMinutes)+" minutes.", "expiresIn")
		}
		if err := p.err(); err != nil {
			return err
		}
		open, err := tx.NewSelect().Model((*ListInvitation)(nil)).Where("i.list_id = ?", listID).
			Where("i.list_id IN ("+ownerOf+")", userID).Where(openInvitation, now).Count(ctx)
		if err != nil {
			return err
		}
		if open >= MaxOpenInvitations {
			p.add(UserErrorCodeTooMany, "A list can have at most "+strconv.Itoa(MaxOpenInvitations)+
				" open invitations; revoke one first.", "listId")
		}
		members, err := countMembers(ctx, tx, userID, listID)
		if err != nil {
			return err
		}
		if members >= MaxListMembers {
			p.add(UserErrorCodeTooMany, "A list can have at most "+strconv.Itoa(MaxListMembers)+" members.", "listId")
		}
		if err := p.err(); err != nil {
			return err
		}
		_, err = tx.NewInsert().Model(inv).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, "", storeError("create list invitation", err)
	}
	return inv, token, nil
}

// countMembers counts the members of a list the user is a member of.
func countMembers(ctx context.Context, db bun.IDB, userID string, listID uuid.UUID) (int, error) {
	n, err := db.NewSelect().Model((*listMember)(nil)).Where("lm.list_id = ?", listID).
		Where("lm.list_id IN ("+memberOf+")", userID).Count(ctx)
	return int(n), err
}

// ListInvitations returns the open invitations of a list the user owns, newest first. Returns ErrListNotFound when
// the user is not a member and ErrForbidden when they are not its OWNER.
func (s *Store) ListInvitations(ctx context.Context, userID string, listID uuid.UUID) ([]*ListInvitation, error) {
	list, err := getList(ctx, s.db, userID, listID, false)
	if err != nil {
		return nil, storeError("list invitations", err)
	}
	if list.ViewerRole != ListRoleOwner {
		return nil, ErrForbidden
	}
	invs := []*ListInvitation{}
	if err := s.db.NewSelect().Model(&invs).Where("i.list_id = ?", listID).Where("i.list_id IN ("+ownerOf+")", userID).
		Where(openInvitation, TruncateTime(s.now())).OrderExpr("i.created_at DESC, i.id DESC").Scan(ctx); err != nil {
		return nil, storeError("list invitations", err)
	}
	for _, inv := range invs {
		inv.List = list
	}
	return invs, nil
}

// ListInvitation returns one open invitation of a list the user owns (the node of its id). Returns
// ErrInvitationNotFound when there is none: another list's, a spent, revoked or expired one, or one of a list the
// user does not own.
func (s *Store) ListInvitation(ctx context.Context, userID string, id uuid.UUID) (*ListInvitation, error) {
	inv := new(ListInvitation)
	if err := s.db.NewSelect().Model(inv).Where("i.id = ?", id).Where("i.list_id IN ("+ownerOf+")", userID).
		Where(openInvitation, TruncateTime(s.now())).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrInvitationNotFound
		}
		return nil, storeError("list invitation", err)
	}
	list, err := getList(ctx, s.db, userID, inv.ListID, false)
	if err != nil {
		return nil, storeError("list invitation", err)
	}
	inv.List = list
	return inv, nil
}

// InvitationByToken returns the invitation a token names, for its holder to preview before accepting, with its
// list's name (and, as the list's ViewerRole, the role accepting gives). Returns ErrInvitationNotFound for a token that cannot be accepted: unknown, expired, revoked or spent.
func (s *Store) InvitationByToken(ctx context.Context, userID, token string) (*ListInvitation, error) {
	inv, err := invitationByToken(ctx, s.db, token, false)
	if err == nil && !inv.open(TruncateTime(s.now())) {
		err = ErrInvitationNotFound
	}
	if err != nil {
		return nil, storeError("invitation", err)
	}
	return inv, nil
}

// invitationByToken reads the invitation of a token with its list (the token is the holder's right to both),
// locking both when lock is set. Returns ErrInvitationNotFound when no invitation has the token.
func invitationByToken(ctx context.Context, db bun.IDB, token string, lock bool) (*ListInvitation, error) {
	inv := new(ListInvitation)
	hash := hashToken(token)
	q := db.NewSelect().Model(inv).Where("i.token_hash = ?", hash)
	if lock {
		q = forUpdate(db, q)
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrInvitationNotFound
		}
		return nil, err
	}
	list := new(TaskList)
	lq := db.NewSelect().Model(list).ColumnExpr("l.*").ColumnExpr("? AS viewer_role", inv.Role).
		Where("l.id = (SELECT list_id FROM list_invitations WHERE token_hash = ?)", hash)
	if lock {
		lq = forUpdate(db, lq)
	}
	if err := lq.Scan(ctx); err != nil {
		return nil, err
	}
	inv.List = list
	return inv, nil
}

// AcceptListInvitation makes the user a member of the invitation's list with its role, spends the invitation, and
// returns the list. Returns *ValidationError at ["token"]: INVALID with one message for a token that is unknown,
// expired, revoked or spent; INVALID for a user who is a member already (nothing is spent); TOO_MANY when the list
// has MaxListMembers members.
func (s *Store) AcceptListInvitation(ctx context.Context, userID, token string) (*TaskList, error) {
	var list *TaskList
	now := TruncateTime(s.now())
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var p problems
		inv, err := invitationByToken(ctx, tx, token, true)
		if errors.Is(err, ErrInvitationNotFound) || err == nil && !inv.open(now) {
			p.add(UserErrorCodeInvalid, msgUnusableInvitation, "token")
			return p.err()
		}
		if err != nil {
			return err
		}
		hash := hashToken(token)
		if _, err := memberRole(ctx, tx, userID, inv.ListID, userID); err == nil {
			p.add(UserErrorCodeInvalid, "You are a member of this list already.", "token")
			return p.err()
		} else if !errors.Is(err, ErrUserNotFound) {
			return err
		}
		members, err := tx.NewSelect().Model((*listMember)(nil)).
			Where("lm.list_id = (SELECT list_id FROM list_invitations WHERE token_hash = ?)", hash).Count(ctx)
		if err != nil {
			return err
		}
		if members >= MaxListMembers {
			p.add(UserErrorCodeTooMany, "This list has "+strconv.Itoa(MaxListMembers)+" members, as many as a list can have.", "token")
			return p.err()
		}
		if _, err := tx.NewInsert().Model(&listMember{ListID: inv.ListID, UserID: userID, Role: inv.Role, JoinedAt: now}).
			Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*ListInvitation)(nil)).Set("spent_at = ?", now).Set("spent_by = ?", userID).
			Where("i.token_hash = ?", hash).Exec(ctx); err != nil {
			return err
		}
		list, err = getList(ctx, tx, userID, inv.ListID, false)
		if err != nil {
			return err
		}
		// The new member loads the list; the others see it gained a member.
		tx.recordFor(userID, userID, now, NewEvent{Kind: TaskEventListAdded, ListID: inv.ListID})
		tx.recordList(userID, now, TaskEventListUpdated, inv.ListID)
		return nil
	})
	if err != nil {
		return nil, storeError("accept list invitation", err)
	}
	return list, nil
}

// RevokeListInvitation revokes an invitation of a list the user owns, so that its token can no longer be
// accepted, and returns the list. Revoking one that is no longer open changes nothing. Returns
// ErrInvitationNotFound when the user is not a member of its list, and ErrForbidden when they are but not its
// OWNER.
func (s *Store) RevokeListInvitation(ctx context.Context, userID string, id uuid.UUID) (*TaskList, error) {
	var list *TaskList
	now := TruncateTime(s.now())
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		inv := new(ListInvitation)
		if err := tx.NewSelect().Model(inv).Where("i.id = ?", id).Where("i.list_id IN ("+memberOf+")", userID).
			Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrInvitationNotFound
			}
			return err
		}
		var err error
		if list, err = ownedList(ctx, tx, userID, inv.ListID); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*ListInvitation)(nil)).Set("revoked_at = ?", now).Where("i.id = ?", id).
			Where("i.list_id IN ("+ownerOf+")", userID).Where(openInvitation, now).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, storeError("revoke list invitation", err)
	}
	return list, nil
}
