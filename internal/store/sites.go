package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/assent/assent/internal/consent"
	bolt "go.etcd.io/bbolt"
)

// siteEntry is the in-memory copy of a site and its published configs. The
// hot paths (every snippet load and decision) read it without a transaction.
type siteEntry struct {
	site    *consent.Site
	configs map[string]*Published
}

// index files a published config under its version and the version's
// short form, which decisions from the snippet name.
func (e *siteEntry) index(p *Published) {
	e.configs[p.Version] = p
	e.configs[consent.ShortVersion(p.Version)] = p
}

// Published is one immutable, published config version.
type Published struct {
	Version string
	Raw     []byte // canonical bytes; Version is their hash
	Config  *consent.Config
}

func (s *Store) loadSites(tx *bolt.Tx) error {
	configs := tx.Bucket(bConfigs)
	return tx.Bucket(bSites).ForEach(func(k, v []byte) error {
		var site consent.Site
		if err := json.Unmarshal(v, &site); err != nil {
			return fmt.Errorf("site %q: %w", k, err)
		}
		e := &siteEntry{site: &site, configs: map[string]*Published{}}
		for _, ver := range site.Versions {
			p, err := parsePublished(configs.Get(siteKey(site.ID, ver.ID)))
			if err != nil {
				return fmt.Errorf("site %q config %s: %w", k, ver.ID, err)
			}
			e.index(p)
		}
		s.sites[site.ID] = e
		return nil
	})
}

func parsePublished(raw []byte) (*Published, error) {
	var cfg consent.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	return &Published{Version: consent.VersionOf(raw), Raw: clone(raw), Config: &cfg}, nil
}

// Site returns a copy of the site, or ErrNotFound.
func (s *Store) Site(id string) (*consent.Site, error) {
	s.sitesMu.RLock()
	e := s.sites[id]
	s.sitesMu.RUnlock()
	if e == nil {
		return nil, ErrNotFound
	}
	cp := *e.site
	return &cp, nil
}

// Sites lists every site.
func (s *Store) Sites() []*consent.Site {
	s.sitesMu.RLock()
	defer s.sitesMu.RUnlock()
	out := make([]*consent.Site, 0, len(s.sites))
	for _, e := range s.sites {
		cp := *e.site
		out = append(out, &cp)
	}
	return out
}

// Current returns the site's currently served config version, or ErrNotFound
// when the site is unknown or has never been published.
func (s *Store) Current(site string) (*consent.Site, *Published, error) {
	s.sitesMu.RLock()
	defer s.sitesMu.RUnlock()
	e := s.sites[site]
	if e == nil || e.site.Current == "" {
		return nil, nil, ErrNotFound
	}
	return e.site, e.configs[e.site.Current], nil
}

// Config returns a published version of the site's config, named in full or
// by its short form, or ErrNotFound.
func (s *Store) Config(site, version string) (*Published, error) {
	s.sitesMu.RLock()
	defer s.sitesMu.RUnlock()
	if e := s.sites[site]; e != nil {
		if p := e.configs[version]; p != nil {
			return p, nil
		}
	}
	return nil, ErrNotFound
}

// PutSite creates or replaces a site's editable fields (name, origins, draft,
// retention). Published versions are kept from the stored site. Replacing
// needs site.Revision to be the stored one (ErrSiteChanged otherwise); on success
// site.Revision is the new one.
func (s *Store) PutSite(site *consent.Site) error {
	if err := site.Validate(); err != nil {
		return err
	}
	s.sitesMu.Lock()
	defer s.sitesMu.Unlock()
	cp := *site
	e := s.sites[site.ID]
	if e != nil {
		if site.Revision != e.site.Revision {
			return ErrSiteChanged
		}
		cp.Current, cp.Versions, cp.CreatedAt = e.site.Current, e.site.Versions, e.site.CreatedAt
		cp.Revision = e.site.Revision + 1
	} else {
		cp.Revision = 1
	}
	b, err := json.Marshal(&cp)
	if err != nil {
		return err
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSites).Put([]byte(cp.ID), b) }); err != nil {
		return err
	}
	if e == nil {
		e = &siteEntry{configs: map[string]*Published{}}
		s.sites[cp.ID] = e
	}
	e.site = &cp
	site.Revision = cp.Revision
	return nil
}

// Publish makes the site's draft the served config. Publishing a draft equal
// to an existing version re-serves that version rather than duplicating it.
func (s *Store) Publish(siteID string, now time.Time) (*Published, error) {
	return s.PublishChecked(siteID, now, nil)
}

// PublishChecked is Publish with check (if set) run on the draft under the
// same lock as the publishing: a draft saved meanwhile cannot slip past it.
func (s *Store) PublishChecked(siteID string, now time.Time, check func(*consent.Site) error) (*Published, error) {
	s.sitesMu.Lock()
	defer s.sitesMu.Unlock()
	e := s.sites[siteID]
	if e == nil {
		return nil, ErrNotFound
	}
	if check != nil {
		if err := check(e.site); err != nil {
			return nil, err
		}
	}
	if err := e.site.Draft.Validate(); err != nil {
		return nil, err
	}
	raw := e.site.Draft.Canonical()
	p, err := parsePublished(raw)
	if err != nil {
		return nil, err
	}
	cp := *e.site
	// Versions is the publication history: an entry whenever what is live
	// changes, also back to an earlier version (a rollback), so which
	// banner was live when can be told; publishing what is live adds none.
	if p.Version != cp.Current {
		cp.Versions = append(append([]consent.Version(nil), cp.Versions...), consent.Version{ID: p.Version, PublishedAt: now.UTC()})
	}
	cp.Current = p.Version
	b, err := json.Marshal(&cp)
	if err != nil {
		return nil, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bConfigs).Put(siteKey(cp.ID, p.Version), raw); err != nil {
			return err
		}
		return tx.Bucket(bSites).Put([]byte(cp.ID), b)
	})
	if err != nil {
		return nil, err
	}
	if e.configs[p.Version] == nil {
		e.index(p)
	}
	e.site = &cp
	return e.configs[p.Version], nil
}
