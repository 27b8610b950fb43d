package graph

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"taskapi/auth"
	"taskapi/model"
)

// msgForbidden is the message of a FORBIDDEN refusal, as a userError or a top-level error.
const msgForbidden = "Your role in this list does not allow this."

// seenViewer is viewerID for the fields through which the viewer becomes visible to other people (list mutations
// and queries): it also records the name and email of the viewer's token for the members of their lists
// (model.Store.SeeUser, which writes at most once per user per interval). It runs inside the operation, under its
// statement timeout; a failure to record is not this operation's concern (nothing it returns reads the row), and
// the next one tries again.
func (r *Resolver) seenViewer(ctx context.Context) (string, error) {
	v, ok := auth.FromContext(ctx)
	if !ok || v.ID == "" {
		return "", errUnauthenticated
	}
	if err := r.Store.SeeUser(ctx, v.ID, v.Name, v.Email); err != nil && r.Logger != nil {
		r.Logger.WarnContext(ctx, "record the viewer's claims", "err", err, "requestId", RequestID(ctx))
	}
	return v.ID, nil
}

// viewerList returns the verified user and the list UUID behind a global id: an id that cannot be a list's is
// model.ErrListNotFound, exactly like a list that is missing or that the viewer is not a member of.
func (r *Resolver) viewerList(ctx context.Context, id string) (string, uuid.UUID, error) {
	userID, err := r.seenViewer(ctx)
	if err != nil {
		return "", uuid.UUID{}, err
	}
	listUUID, ok := parseListID(id)
	if !ok {
		return "", uuid.UUID{}, model.ErrListNotFound
	}
	return userID, listUUID, nil
}

// listUserErrors is userErrors for the list mutations, whose payloads also carry FORBIDDEN: a refusal by role
// becomes a problem at field (the argument naming what the viewer may not change).
func listUserErrors(err error, field ...string) ([]*model.UserError, error) {
	if errors.Is(err, model.ErrForbidden) {
		return []*model.UserError{{Field: field, Message: msgForbidden, Code: model.UserErrorCodeForbidden}}, nil
	}
	return userErrors(err)
}

// listNode returns the list or invitation behind a global id for node and nodes, nil when the id is neither or
// the viewer may not see it.
func (r *Resolver) listNode(ctx context.Context, userID, id string) (any, error) {
	if listUUID, ok := parseListID(id); ok {
		list, err := r.Store.List(ctx, userID, listUUID)
		if errors.Is(err, model.ErrNotFound) {
			return nil, nil
		}
		return list, err
	}
	if invUUID, ok := parseInvitationID(id); ok {
		inv, err := r.Store.ListInvitation(ctx, userID, invUUID)
		if errors.Is(err, model.ErrNotFound) {
			return nil, nil
		}
		return inv, err
	}
	return nil, nil
}
