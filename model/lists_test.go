package model_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/model"
)

// newList creates a list or fails the test.
func (e *env) newList(t testing.TB, userID, name string) *model.TaskList {
	t.Helper()
	l, err := e.store.CreateList(ctx, userID, model.CreateListInput{Name: name})
	if err != nil {
		t.Fatalf("CreateList(%q): %v", name, err)
	}
	return l
}

// share invites member to list with role and has them accept, or fails the test.
func (e *env) share(t testing.TB, owner string, list uuid.UUID, member string, role model.ListRole) {
	t.Helper()
	_, token, err := e.store.CreateListInvitation(ctx, owner, list, role, 60)
	if err != nil {
		t.Fatalf("CreateListInvitation: %v", err)
	}
	if _, err := e.store.AcceptListInvitation(ctx, member, token); err != nil {
		t.Fatalf("AcceptListInvitation: %v", err)
	}
}

// seedLists gives owner n lists named "list <i>" in two statements, as CreateList would make them: the limits'
// tests start near a limit without a hundred transactions.
func (e *env) seedLists(t testing.TB, owner string, n int) {
	t.Helper()
	lists := make([]*model.TaskList, n)
	members := make([]seededMember, n)
	for i := range n {
		id := uuid.Must(uuid.NewV7())
		name := fmt.Sprint("list ", i)
		lists[i] = &model.TaskList{ID: id, OwnerID: owner, Name: name, NameFold: name, CreatedAt: start, UpdatedAt: start}
		members[i] = seededMember{ListID: id, UserID: owner, Role: model.ListRoleOwner, JoinedAt: start}
	}
	e.seed(t, &lists)
	e.seed(t, &members)
}

// seededMember is a row of list_members, for seeding.
type seededMember struct {
	bun.BaseModel `bun:"table:list_members"`

	ListID   uuid.UUID      `bun:"list_id"`
	UserID   string         `bun:"user_id"`
	Role     model.ListRole `bun:"role"`
	JoinedAt time.Time      `bun:"joined_at"`
}

// seedMembers adds n members "m<i>" to list with role in one statement.
func (e *env) seedMembers(t testing.TB, list uuid.UUID, n int, role model.ListRole) {
	t.Helper()
	rows := make([]seededMember, n)
	for i := range n {
		rows[i] = seededMember{ListID: list, UserID: fmt.Sprint("m", i), Role: role,
			JoinedAt: start.Add(time.Duration(i) * time.Millisecond)}
	}
	e.seed(t, &rows)
}

// seed inserts rows; the statement is marked AcrossUsers, as a test's bulk seeding is.
func (e *env) seed(t testing.TB, rows any) {
	t.Helper()
	if _, err := e.db.NewInsert().Model(rows).Exec(model.AcrossUsers(ctx)); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// listNames returns the names of the user's lists, in order.
func (e *env) listNames(t testing.TB, userID string) []string {
	t.Helper()
	lists, err := e.store.Lists(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range lists {
		names = append(names, l.Name+":"+string(l.ViewerRole))
	}
	return names
}

func TestListsInboxFirstThenByName(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		if got := e.listNames(t, "alice"); !slices.Equal(got, []string{"Inbox:OWNER"}) {
			t.Fatalf("a new user's lists = %v, want their Inbox alone", got)
		}
		e.newList(t, "alice", "groceries")
		e.newList(t, "alice", "Work")
		e.newList(t, "alice", "  apples  ")
		want := []string{"Inbox:OWNER", "apples:OWNER", "groceries:OWNER", "Work:OWNER"}
		if got := e.listNames(t, "alice"); !slices.Equal(got, want) {
			t.Errorf("lists = %v, want %v", got, want)
		}
		inbox, err := e.store.List(ctx, "bob", model.InboxID("bob"))
		if err != nil || !inbox.IsInbox || inbox.ViewerRole != model.ListRoleOwner {
			t.Errorf("List(bob's inbox) before bob wrote = %+v, %v; want it made", inbox, err)
		}
	})
}

func TestCreateListValidates(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for name, want := range map[string]string{
			"   ":                    "input.name:BLANK",
			strings.Repeat("é", 101): "input.name:TOO_LONG",
		} {
			_, err := e.store.CreateList(ctx, "alice", model.CreateListInput{Name: name})
			if got := problems(t, err); !slices.Equal(got, []string{want}) {
				t.Errorf("CreateList(%.10q) = %v, want %v", name, got, want)
			}
		}
		if l := e.newList(t, "alice", strings.Repeat("é", 100)); len([]rune(l.Name)) != 100 {
			t.Errorf("a 100-character name was not kept")
		}
	})
}

func TestNonMembersSeeNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "secret")
		_, _, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 60)
		if err != nil {
			t.Fatal(err)
		}
		missing := uuid.Must(uuid.NewV7())
		for _, id := range []uuid.UUID{l.ID, missing, model.InboxID("alice")} {
			calls := map[string]error{}
			_, calls["List"] = e.store.List(ctx, "mallory", id)
			_, calls["UpdateList"] = e.store.UpdateList(ctx, "mallory", id, model.ListPatch{Name: model.Some("x")})
			_, calls["DeleteList"] = e.store.DeleteList(ctx, "mallory", id)
			_, calls["ListMembers"] = e.store.ListMembers(ctx, "mallory", id)
			_, calls["ListInvitations"] = e.store.ListInvitations(ctx, "mallory", id)
			_, _, calls["CreateListInvitation"] = e.store.CreateListInvitation(ctx, "mallory", id, model.ListRoleEditor, 60)
			_, calls["SetListMemberRole"] = e.store.SetListMemberRole(ctx, "mallory", id, "alice", model.ListRoleViewer)
			_, calls["RemoveListMember"] = e.store.RemoveListMember(ctx, "mallory", id, "alice")
			for name, err := range calls {
				if !errors.Is(err, model.ErrListNotFound) {
					t.Errorf("%s of %s by a non-member = %v, want ErrListNotFound", name, id, err)
				}
			}
		}
		if names := e.listNames(t, "mallory"); !slices.Equal(names, []string{"Inbox:OWNER"}) {
			t.Errorf("mallory's lists = %v", names)
		}
		if got := e.listNames(t, "alice"); !slices.Equal(got, []string{"Inbox:OWNER", "secret:OWNER"}) {
			t.Errorf("alice's lists changed: %v", got)
		}
	})
}

func TestRolesAndForbidden(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "shared")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		e.share(t, "alice", l.ID, "carol", model.ListRoleViewer)
		for _, who := range []string{"bob", "carol"} {
			calls := map[string]error{}
			_, calls["UpdateList"] = e.store.UpdateList(ctx, who, l.ID, model.ListPatch{Name: model.Some("mine")})
			_, calls["DeleteList"] = e.store.DeleteList(ctx, who, l.ID)
			_, _, calls["CreateListInvitation"] = e.store.CreateListInvitation(ctx, who, l.ID, model.ListRoleEditor, 60)
			_, calls["ListInvitations"] = e.store.ListInvitations(ctx, who, l.ID)
			_, calls["SetListMemberRole"] = e.store.SetListMemberRole(ctx, who, l.ID, "carol", model.ListRoleEditor)
			_, calls["RemoveListMember(alice)"] = e.store.RemoveListMember(ctx, who, l.ID, "alice")
			for name, err := range calls {
				if !errors.Is(err, model.ErrForbidden) {
					t.Errorf("%s by %s = %v, want ErrForbidden", name, who, err)
				}
			}
		}
		if got, _ := e.store.List(ctx, "alice", l.ID); got.Name != "shared" {
			t.Errorf("a refused rename was written: %q", got.Name)
		}
		// A user id the viewer shares the list with only through nobody: NOT_FOUND.
		if _, err := e.store.SetListMemberRole(ctx, "alice", l.ID, "mallory", model.ListRoleViewer); !errors.Is(err, model.ErrUserNotFound) {
			t.Errorf("SetListMemberRole of a non-member = %v, want ErrUserNotFound", err)
		}
		if _, err := e.store.RemoveListMember(ctx, "alice", l.ID, "mallory"); !errors.Is(err, model.ErrUserNotFound) {
			t.Errorf("RemoveListMember of a non-member = %v, want ErrUserNotFound", err)
		}
		// No second OWNER, and the OWNER keeps their role and cannot leave.
		_, err := e.store.SetListMemberRole(ctx, "alice", l.ID, "bob", model.ListRoleOwner)
		if got := problems(t, err); !slices.Equal(got, []string{"role:INVALID"}) {
			t.Errorf("a second OWNER: %v", got)
		}
		_, err = e.store.SetListMemberRole(ctx, "alice", l.ID, "alice", model.ListRoleEditor)
		if got := problems(t, err); !slices.Equal(got, []string{"userId:INVALID"}) {
			t.Errorf("demoting the OWNER: %v", got)
		}
		_, err = e.store.RemoveListMember(ctx, "alice", l.ID, "alice")
		if got := problems(t, err); !slices.Equal(got, []string{"userId:INVALID"}) {
			t.Errorf("the OWNER leaving: %v", got)
		}
		// Role changes take effect, and anyone but the OWNER may leave.
		if _, err := e.store.SetListMemberRole(ctx, "alice", l.ID, "carol", model.ListRoleEditor); err != nil {
			t.Fatal(err)
		}
		if got := e.listNames(t, "carol"); !slices.Equal(got, []string{"Inbox:OWNER", "shared:EDITOR"}) {
			t.Errorf("carol's lists after promotion = %v", got)
		}
		if _, err := e.store.RemoveListMember(ctx, "carol", l.ID, "carol"); err != nil {
			t.Fatalf("carol leaving: %v", err)
		}
		if _, err := e.store.List(ctx, "carol", l.ID); !errors.Is(err, model.ErrListNotFound) {
			t.Errorf("the list after carol left = %v, want ErrListNotFound", err)
		}
		if _, err := e.store.RemoveListMember(ctx, "alice", l.ID, "bob"); err != nil {
			t.Fatalf("alice removing bob: %v", err)
		}
		members, err := e.store.ListMembers(ctx, "alice", l.ID)
		if err != nil || len(members) != 1 || members[0].User.ID != "alice" {
			t.Errorf("members after removals = %v, %v", members, err)
		}
		if _, err := e.store.UpdateList(ctx, "bob", l.ID, model.ListPatch{Name: model.Some("x")}); !errors.Is(err, model.ErrListNotFound) {
			t.Errorf("a removed member's rename = %v, want ErrListNotFound", err)
		}
	})
}

func TestInboxRules(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		inbox := model.InboxID("alice")
		if _, err := e.store.EnsureInbox(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.DeleteList(ctx, "alice", inbox); !slices.Equal(problems(t, err), []string{"id:INVALID"}) {
			t.Errorf("deleting the Inbox: %v", err)
		}
		_, _, err := e.store.CreateListInvitation(ctx, "alice", inbox, model.ListRoleEditor, 60)
		if got := problems(t, err); !slices.Equal(got, []string{"listId:INVALID"}) {
			t.Errorf("sharing the Inbox: %v", got)
		}
		_, err = e.store.RemoveListMember(ctx, "alice", inbox, "alice")
		if got := problems(t, err); !slices.Equal(got, []string{"userId:INVALID"}) {
			t.Errorf("leaving the Inbox: %v", got)
		}
		renamed, err := e.store.UpdateList(ctx, "alice", inbox, model.ListPatch{Name: model.Some("Eingang")})
		if err != nil || renamed.Name != "Eingang" || !renamed.IsInbox {
			t.Fatalf("renaming the Inbox = %+v, %v", renamed, err)
		}
		e.newList(t, "alice", "a")
		if got := e.listNames(t, "alice"); !slices.Equal(got, []string{"Eingang:OWNER", "a:OWNER"}) {
			t.Errorf("a renamed Inbox is still first: %v", got)
		}
		_, err = e.store.UpdateList(ctx, "alice", inbox, model.ListPatch{Name: model.Null[string]()})
		if got := problems(t, err); !slices.Equal(got, []string{"input.name:INVALID"}) {
			t.Errorf("a null name: %v", got)
		}
	})
}

func TestUpdateListMovesUpdatedAtOnlyOnChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "a")
		e.clock.Advance(time.Minute)
		same, err := e.store.UpdateList(ctx, "alice", l.ID, model.ListPatch{Name: model.Some(" a ")})
		if err != nil || !same.UpdatedAt.Equal(l.UpdatedAt) {
			t.Errorf("a no-op rename = %v, %v; updatedAt must stay", same, err)
		}
		changed, err := e.store.UpdateList(ctx, "alice", l.ID, model.ListPatch{Name: model.Some("b")})
		if err != nil || !changed.UpdatedAt.Equal(start.Add(time.Minute)) {
			t.Errorf("a rename = %v, %v; updatedAt must move", changed, err)
		}
	})
}

func TestInvitations(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "shared")
		inv, token, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleViewer, 5)
		if err != nil {
			t.Fatal(err)
		}
		if raw := len(token) * 6; raw < 128 {
			t.Errorf("a token of %d bits", raw)
		}
		// The test reads the table itself (across users) to see what is kept of the token.
		var hashes []string
		if err := e.db.NewRaw("SELECT token_hash FROM list_invitations").Scan(model.AcrossUsers(ctx), &hashes); err != nil {
			t.Fatal(err)
		}
		if len(hashes) != 1 || strings.Contains(hashes[0], token) || len(hashes[0]) != 64 {
			t.Errorf("what is kept of the token: %q", hashes)
		}
		preview, err := e.store.InvitationByToken(ctx, "bob", token)
		if err != nil || preview.List.Name != "shared" || preview.Role != model.ListRoleViewer || preview.InvitedBy != "alice" {
			t.Fatalf("preview = %+v, %v", preview, err)
		}
		if open, err := e.store.ListInvitations(ctx, "alice", l.ID); err != nil || len(open) != 1 || open[0].ID != inv.ID {
			t.Errorf("open invitations = %v, %v", open, err)
		}
		joined, err := e.store.AcceptListInvitation(ctx, "bob", token)
		if err != nil || joined.ID != l.ID || joined.ViewerRole != model.ListRoleViewer {
			t.Fatalf("accept = %+v, %v", joined, err)
		}
		// Spent: the same answer as for every other unusable token.
		_, spent := e.store.AcceptListInvitation(ctx, "carol", token)
		_, unknown := e.store.AcceptListInvitation(ctx, "carol", "no-such-token")
		_, token2, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 5)
		if err != nil {
			t.Fatal(err)
		}
		inv3, token3, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 60)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.RevokeListInvitation(ctx, "alice", inv3.ID); err != nil {
			t.Fatal(err)
		}
		_, revoked := e.store.AcceptListInvitation(ctx, "carol", token3)
		e.clock.Advance(5 * time.Minute)
		_, expired := e.store.AcceptListInvitation(ctx, "carol", token2)
		var msg string
		for name, err := range map[string]error{"spent": spent, "unknown": unknown, "revoked": revoked, "expired": expired} {
			var v *model.ValidationError
			if !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].Code != model.UserErrorCodeInvalid ||
				!slices.Equal(v.Problems[0].Field, []string{"token"}) {
				t.Errorf("accepting a %s token = %v, want INVALID at token", name, err)
				continue
			}
			if msg == "" {
				msg = v.Problems[0].Message
			} else if v.Problems[0].Message != msg {
				t.Errorf("a %s token says %q, another %q", name, v.Problems[0].Message, msg)
			}
			if _, err := e.store.InvitationByToken(ctx, "carol", map[string]string{"spent": token, "unknown": "x",
				"revoked": token3, "expired": token2}[name]); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("previewing a %s token = %v, want ErrNotFound", name, err)
			}
		}
		if _, err := e.store.List(ctx, "carol", l.ID); !errors.Is(err, model.ErrListNotFound) {
			t.Errorf("carol joined with an unusable token: %v", err)
		}
		// Already a member: INVALID, and nothing spent.
		_, token4, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 60)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.store.AcceptListInvitation(ctx, "bob", token4)
		if got := problems(t, err); !slices.Equal(got, []string{"token:INVALID"}) {
			t.Errorf("accepting as a member: %v", got)
		}
		if _, err := e.store.AcceptListInvitation(ctx, "carol", token4); err != nil {
			t.Errorf("an invitation a member tried to accept was spent: %v", err)
		}
	})
}

func TestInvitationInputAndLimits(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "shared")
		for _, c := range []struct {
			role    model.ListRole
			minutes int
			want    string
		}{
			{model.ListRoleOwner, 60, "role:INVALID"},
			{model.ListRoleEditor, 4, "expiresIn:INVALID"},
			{model.ListRoleEditor, 43201, "expiresIn:INVALID"},
		} {
			_, _, err := e.store.CreateListInvitation(ctx, "alice", l.ID, c.role, c.minutes)
			if got := problems(t, err); !slices.Equal(got, []string{c.want}) {
				t.Errorf("CreateListInvitation(%s, %d) = %v, want %s", c.role, c.minutes, got, c.want)
			}
		}
		for _, minutes := range []int{5, 43200} {
			if _, _, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, minutes); err != nil {
				t.Errorf("an expiry of %d minutes: %v", minutes, err)
			}
		}
		for range model.MaxOpenInvitations - 2 {
			if _, _, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 60); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 60)
		if got := problems(t, err); !slices.Equal(got, []string{"listId:TOO_MANY"}) {
			t.Errorf("the 21st open invitation: %v", got)
		}
		// An expired one is no longer open.
		e.clock.Advance(5 * time.Minute)
		if _, _, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleEditor, 60); err != nil {
			t.Errorf("an invitation after one expired: %v", err)
		}
	})
}

func TestMemberLimit(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "party")
		e.seedMembers(t, l.ID, model.MaxListMembers-3, model.ListRoleViewer)
		e.share(t, "alice", l.ID, "the forty-ninth", model.ListRoleViewer)
		_, last, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleViewer, 60)
		if err != nil {
			t.Fatal(err)
		}
		_, extra, err := e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleViewer, 60)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AcceptListInvitation(ctx, "fiftieth", last); err != nil {
			t.Fatal(err)
		}
		_, err = e.store.AcceptListInvitation(ctx, "fifty-first", extra)
		if got := problems(t, err); !slices.Equal(got, []string{"token:TOO_MANY"}) {
			t.Errorf("the 51st member: %v", got)
		}
		_, _, err = e.store.CreateListInvitation(ctx, "alice", l.ID, model.ListRoleViewer, 60)
		if got := problems(t, err); !slices.Equal(got, []string{"listId:TOO_MANY"}) {
			t.Errorf("an invitation to a full list: %v", got)
		}
		if got, _ := e.store.ListMembers(ctx, "alice", l.ID); len(got) != model.MaxListMembers {
			t.Errorf("%d members, want %d", len(got), model.MaxListMembers)
		}
	})
}

func TestOwnedListLimit(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedLists(t, "alice", model.MaxOwnedLists-1)
		e.newList(t, "alice", "the hundredth")
		_, err := e.store.CreateList(ctx, "alice", model.CreateListInput{Name: "one more"})
		if got := problems(t, err); !slices.Equal(got, []string{"input:TOO_MANY"}) {
			t.Errorf("the 101st list: %v", got)
		}
		// Lists the user is a member of but does not own do not count.
		other := e.newList(t, "bob", "bob's")
		e.share(t, "bob", other.ID, "alice", model.ListRoleEditor)
		last, _ := e.store.Lists(ctx, "alice")
		if _, err := e.store.DeleteList(ctx, "alice", last[len(last)-1].ID); err != nil {
			t.Fatal(err)
		}
		e.newList(t, "alice", "again")
	})
}

func TestUsersShowEmailOnlyToPeopleWhoShareAList(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, u := range []string{"alice", "bob", "carol"} {
			if err := e.store.SeeUser(ctx, u, strings.ToUpper(u), u+"@example.com"); err != nil {
				t.Fatal(err)
			}
		}
		l := e.newList(t, "alice", "shared")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		users, err := e.store.Users(ctx, "bob", []string{"alice", "carol", "bob", "nobody"})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(users))
		for i, u := range users {
			got[i] = fmt.Sprintf("%s/%s/%s", u.ID, deref(u.Name), deref(u.Email))
		}
		want := []string{"alice/ALICE/alice@example.com", "carol/CAROL/", "bob/BOB/bob@example.com", "nobody//"}
		if !slices.Equal(got, want) {
			t.Errorf("users as bob sees them = %v, want %v", got, want)
		}
		// A former member keeps id and name, loses the email.
		if _, err := e.store.RemoveListMember(ctx, "bob", l.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		users, _ = e.store.Users(ctx, "alice", []string{"bob"})
		if users[0].Email != nil || deref(users[0].Name) != "BOB" {
			t.Errorf("a former member as alice sees them: %+v", users[0])
		}
		// Claims that change are recorded at once; the same claims at most once an interval.
		if err := e.store.SeeUser(ctx, "alice", "Alice", "new@example.com"); err != nil {
			t.Fatal(err)
		}
		users, _ = e.store.Users(ctx, "alice", []string{"alice"})
		if deref(users[0].Email) != "new@example.com" {
			t.Errorf("changed claims were not recorded: %+v", users[0])
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestLimitsHoldUnderConcurrency races creations of lists and acceptances of invitations past their limits: the
// limit is counted with the user's (or the list's) row locked, so exactly as many get through as there is room for.
func TestLimitsHoldUnderConcurrency(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedLists(t, "alice", model.MaxOwnedLists-2)
		l := e.newList(t, "bob", "party")
		e.seedMembers(t, l.ID, model.MaxListMembers-3, model.ListRoleViewer)
		var tokens []string
		for range 8 {
			_, tok, err := e.store.CreateListInvitation(ctx, "bob", l.ID, model.ListRoleViewer, 60)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		var wg sync.WaitGroup
		created := make([]error, 8)
		accepted := make([]error, 8)
		for i := range 8 {
			wg.Go(func() {
				_, created[i] = e.store.CreateList(ctx, "alice", model.CreateListInput{Name: fmt.Sprint("race ", i)})
			})
			wg.Go(func() { _, accepted[i] = e.store.AcceptListInvitation(ctx, fmt.Sprint("racer", i), tokens[i]) })
		}
		wg.Wait()
		count := func(errs []error) (ok int) {
			for _, err := range errs {
				if err == nil {
					ok++
				} else if got := problems(t, err); len(got) != 1 || !strings.HasSuffix(got[0], ":TOO_MANY") {
					t.Errorf("a refusal: %v", got)
				}
			}
			return ok
		}
		if n := count(created); n != 2 {
			t.Errorf("%d of 8 racing lists were created with room for 2", n)
		}
		if n := count(accepted); n != 2 {
			t.Errorf("%d of 8 racing acceptances got in with room for 2", n)
		}
	})
}
