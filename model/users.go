package model

import (
	"context"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// User is a person as far as the viewer may see them: their token subject, and the name and email of the claims
// the server last saw from them. Email is nil unless the viewer is that user or shares a list with them.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID         string    `bun:"id,pk"`
	Name       *string   `bun:"name"`
	Email      *string   `bun:"email"`
	LastSeenAt time.Time `bun:"last_seen_at,notnull"`
}

// UserSeenInterval is how often, at most, one instance records that it saw a user whose claims have not changed.
const UserSeenInterval = 10 * time.Minute

// seenUsers remembers, per instance, which claims were last recorded for whom and when, so that SeeUser writes at
// most once per UserSeenInterval per user (and at once when the claims change).
type seenUsers struct {
	mu sync.Mutex
	m  map[string]seenUser
}

type seenUser struct {
	name, email string
	at          time.Time
}

// maxSeenUsers bounds the memory of seenUsers; when it is full it starts over, which costs one write per user.
const maxSeenUsers = 100_000

// SeeUser records that the user made a request with these claims (empty: the token has none), so that the members
// of their lists see their name and email as their own token says. It writes at most once per UserSeenInterval
// per user on this instance, unless the claims changed; a failed write is tried again on the next call.
func (s *Store) SeeUser(ctx context.Context, id, name, email string) error {
	now := s.now()
	s.seen.mu.Lock()
	last, ok := s.seen.m[id]
	s.seen.mu.Unlock()
	if ok && last.name == name && last.email == email && now.Sub(last.at) < UserSeenInterval {
		return nil
	}
	u := &User{ID: id, Name: nonEmpty(name), Email: nonEmpty(email), LastSeenAt: TruncateTime(now)}
	if _, err := s.db.NewInsert().Model(u).
		On("CONFLICT (id) DO UPDATE").Set("name = EXCLUDED.name, email = EXCLUDED.email, last_seen_at = EXCLUDED.last_seen_at").
		Exec(ctx); err != nil {
		return storeError("see user", err)
	}
	s.seen.mu.Lock()
	if s.seen.m == nil || len(s.seen.m) >= maxSeenUsers {
		s.seen.m = make(map[string]seenUser)
	}
	s.seen.m[id] = seenUser{name: name, email: email, at: now}
	s.seen.mu.Unlock()
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Users returns the users with the given ids, in the order of ids, as the viewer may see them: id and name for
// anyone (an id the server has never seen gets neither name nor email), email only for the viewer and the people
// who share at least one list with them. Callers pass ids the viewer reached through something they can see.
func (s *Store) Users(ctx context.Context, viewerID string, ids []string) ([]*User, error) {
	out := make([]*User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []*User
	if err := s.db.NewSelect().Model(&users).ColumnExpr("u.id, u.name, u.last_seen_at").
		ColumnExpr(`CASE WHEN u.id = ? OR EXISTS (SELECT 1 FROM list_members AS a JOIN list_members AS b
			ON b.list_id = a.list_id WHERE a.user_id = ? AND b.user_id = u.id) THEN u.email END AS email`, viewerID, viewerID).
		Where("u.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, storeError("users", err)
	}
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	for i, id := range ids {
		if u := byID[id]; u != nil {
			out[i] = u
		} else {
			out[i] = &User{ID: id}
		}
	}
	return out, nil
}
