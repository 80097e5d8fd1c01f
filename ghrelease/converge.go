package ghrelease

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/google/go-github/v60/github"
	"golang.org/x/mod/semver"
)

// ErrNotPublished: after publishing, reading the release back by its tag
// (as users will) did not show it public with every asset and its bytes.
// A success answer alone is never believed.
var ErrNotPublished = errors.New("ghrelease: release not confirmed published")

// reconcileDrafts converges several drafts of one tag (two runs racing,
// a stale list) on one: the oldest (lowest id) is kept — every run picks
// the same — and the others are deleted. They are drafts: nobody has seen
// them.
func (p *Publisher) reconcileDrafts(ctx context.Context, owner, repo, tag string, drafts []*ghRelease) (*ghRelease, error) {
	slices.SortFunc(drafts, func(a, b *ghRelease) int { return cmp.Compare(a.GetID(), b.GetID()) })
	for _, d := range drafts[1:] {
		id := d.GetID()
		err := p.call(ctx, "delete duplicate draft of "+tag, func() (*github.Response, error) {
			resp, err := p.gh.Repositories.DeleteRelease(ctx, owner, repo, id)
			if resp != nil && resp.StatusCode == http.StatusNotFound {
				return resp, nil // another run removed it already
			}
			return resp, err
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %d drafts for %s; deleting duplicate %d failed: %w", ErrAmbiguousRelease, len(drafts), tag, id, err)
		}
		p.o.logger.Warn("deleted a duplicate draft release", "tag", tag, "id", id, "kept", drafts[0].GetID())
	}
	return drafts[0], nil
}

// afterCreate lists the tag's releases again after creating a draft: a
// run on another machine may have created its own meanwhile. It returns
// the release every run converges on.
func (p *Publisher) afterCreate(ctx context.Context, rel Release, mine *ghRelease) (*ghRelease, []*ghRelease, error) {
	all, err := p.listReleases(ctx, rel.Owner, rel.Repo)
	if err != nil {
		return nil, nil, err
	}
	r, err := p.fromListing(ctx, rel.Owner, rel.Repo, rel.Tag, all)
	if err != nil {
		return nil, all, err
	}
	if r != nil {
		return r, all, nil
	}
	if mine.GetID() == 0 || mine.GetTagName() != rel.Tag {
		// The create call's success answer did not describe the draft it
		// claims to have made, and no draft is listed: do not believe it.
		return nil, nil, fmt.Errorf("%w: creating the draft for %s was answered with success, but the answer names release %d (tag %q) and no draft for the tag is listed", ErrNotPublished, rel.Tag, mine.GetID(), mine.GetTagName())
	}
	return mine, all, nil
}

// fromListing chooses tag's release from a listing of the repository's
// releases: the published one, else the only draft, else the draft
// reconcileDrafts keeps (a read-only Publisher, a Downloader's, takes the
// oldest without deleting the others). It is nil when the tag has no
// release listed.
func (p *Publisher) fromListing(ctx context.Context, owner, repo, tag string, all []*ghRelease) (*ghRelease, error) {
	var drafts []*ghRelease
	for _, c := range all {
		if c.GetTagName() != tag {
			continue
		}
		if !c.GetDraft() {
			return c, nil
		}
		drafts = append(drafts, c)
	}
	switch len(drafts) {
	case 0:
		return nil, nil
	case 1:
		return drafts[0], nil
	}
	if p.readOnly {
		// A reader deletes nothing: it takes the draft reconcileDrafts keeps.
		return slices.MinFunc(drafts, func(a, b *ghRelease) int { return cmp.Compare(a.GetID(), b.GetID()) }), nil
	}
	return p.reconcileDrafts(ctx, owner, repo, tag, drafts)
}

// adoptPublished handles a release that is already public when Publish
// starts (published by hand from GitHub's page, or by an earlier run):
// its notes are made the release's notes, so that the verification
// commands are never silently missing; an immutable release with other
// notes is refused with an error saying so.
func (p *Publisher) adoptPublished(ctx context.Context, rel Release, r *ghRelease) error {
	if rel.Body == "" || r.GetBody() == rel.Body {
		return nil
	}
	if r.Immutable {
		return fmt.Errorf("%w: release %s of %s/%s was published (immutable) with other notes than this release's (the verification commands are missing); it cannot be changed: publish a new version", ErrImmutableRelease, rel.Tag, rel.Owner, rel.Repo)
	}
	body := rel.Body
	err := p.call(ctx, "update the notes of published release "+rel.Tag, func() (*github.Response, error) {
		_, resp, err := p.gh.Repositories.EditRelease(ctx, rel.Owner, rel.Repo, r.GetID(), &github.RepositoryRelease{Body: &body})
		return resp, err
	})
	if err != nil {
		return fmt.Errorf("ghrelease: release %s was already published with other notes; replacing them with these failed: %w", rel.Tag, err)
	}
	p.o.logger.Warn("release was already published with other notes; replaced them", "tag", rel.Tag, "id", r.GetID())
	r.Body = &body
	return nil
}

// WithoutReadBackUnsafe skips reading the release back after publishing
// (by tag, every asset downloaded and hashed): a success answer is then
// believed. Only for servers that cannot answer it, such as recorded
// api.github.com answers replayed in tests. Default: every publish is read
// back.
func WithoutReadBackUnsafe() Option {
	return func(o *options) error { o.noReadBack = true; return nil }
}

// confirm reads the release back by its tag, as a user would: it must be
// public, be release id, list every asset with its size, and each asset's
// bytes must hash to what was built — downloaded and hashed here, never
// taken from a checksums file on the release itself.
func (p *Publisher) confirm(ctx context.Context, rel Release, id int64, want []*localAsset) error {
	if p.o.noReadBack {
		return nil
	}
	var got ghRelease
	err := p.getByTag(ctx, "read back release "+rel.Tag, rel.Owner, rel.Repo, rel.Tag, &got)
	if err != nil {
		return fmt.Errorf("%w: %s is not visible by its tag after publishing (still a draft?): %w", ErrNotPublished, rel.Tag, err)
	}
	if got.GetDraft() || got.GetID() != id {
		return fmt.Errorf("%w: reading %s back found release %d (draft %v), expected the published release %d", ErrNotPublished, rel.Tag, got.GetID(), got.GetDraft(), id)
	}
	st := p.newAssetState(rel, &got, p.o.logger)
	for _, la := range want {
		ex := st.lookup(la.Name)
		if ex == nil {
			return fmt.Errorf("%w: %s: asset %s is missing from the published release", ErrNotPublished, rel.Tag, la.Name)
		}
		if int64(ex.GetSize()) != la.size {
			return fmt.Errorf("%w: %s: asset %s has %d bytes on the release, %d were built", ErrNotPublished, rel.Tag, la.Name, ex.GetSize(), la.size)
		}
		h, err := st.download(ctx, ex)
		if err != nil {
			return fmt.Errorf("%w: %s: downloading asset %s to check it: %w", ErrNotPublished, rel.Tag, la.Name, err)
		}
		if h != la.sha {
			return fmt.Errorf("%w: %s: asset %s on the release hashes to sha256 %s, the built file to %s", ErrAssetChanged, rel.Tag, la.Name, h, la.sha)
		}
	}
	return nil
}

// getByTag reads tag's release into r with GitHub's get-by-tag (which
// hides drafts); r is reset before each attempt.
func (p *Publisher) getByTag(ctx context.Context, op, owner, repo, tag string, r *ghRelease) error {
	return p.call(ctx, op, func() (*github.Response, error) {
		req, err := p.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/tags/%s", owner, repo, url.PathEscape(tag)), nil)
		if err != nil {
			return nil, permanent{err}
		}
		*r = ghRelease{}
		return p.gh.Do(ctx, req, r)
	})
}

// settleLatest gives the "Latest" badge back to the highest published
// version when this release took it from a higher one published
// concurrently (its make_latest was decided from an older list).
func (p *Publisher) settleLatest(ctx context.Context, rel Release, made string) error {
	if made != "true" {
		return nil
	}
	all, err := p.listReleases(ctx, rel.Owner, rel.Repo)
	if err != nil {
		return err
	}
	var top *ghRelease
	for _, r := range all {
		t := r.GetTagName()
		if r.GetDraft() || r.GetPrerelease() || !semver.IsValid(t) || semver.Prerelease(t) != "" {
			continue
		}
		if top == nil || semver.Compare(t, top.GetTagName()) > 0 {
			top = r
		}
	}
	if top == nil || top.GetTagName() == rel.Tag || semver.Compare(top.GetTagName(), rel.Tag) <= 0 {
		return nil
	}
	id, tag := top.GetID(), top.GetTagName()
	err = p.call(ctx, "give Latest back to "+tag, func() (*github.Response, error) {
		_, resp, err := p.gh.Repositories.EditRelease(ctx, rel.Owner, rel.Repo, id, &github.RepositoryRelease{MakeLatest: github.String("true")})
		return resp, err
	})
	if err == nil {
		p.o.logger.Warn("a higher version was published meanwhile; Latest given back to it", "tag", rel.Tag, "latest", tag)
	}
	return err
}
