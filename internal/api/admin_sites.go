package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

// ECodeEditConflict refuses a save over a newer one (see consent.Site.Revision).
const ECodeEditConflict = "edit_conflict"

// siteView is a site as the dashboard edits it, with the tag to embed.
type siteView struct {
	*consent.Site
	Embed string `json:"embed"`
}

func (s *Server) publicBase(c echo.Context) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

func (s *Server) viewSite(c echo.Context, site *consent.Site) siteView {
	return siteView{Site: site, Embed: `<script src="` + s.publicBase(c) + `/s/` + site.ID + `.js" async></script>`}
}

func (s *Server) listSites(c echo.Context) error {
	sites := s.Store.Sites()
	slices.SortFunc(sites, func(a, b *consent.Site) int { return strings.Compare(a.Name, b.Name) })
	out := make([]siteView, len(sites))
	for i, site := range sites {
		out[i] = s.viewSite(c, site)
	}
	return c.JSON(http.StatusOK, out)
}

type newSite struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Origins []string `json:"origins"`
}

// createSite adds a site with the default draft (not yet published).
// Errors: invalid_request (bad id or origin, id taken).
func (s *Server) createSite(c echo.Context) error {
	var in newSite
	if err := c.Bind(&in); err != nil {
		return err
	}
	in.ID, in.Name = strings.TrimSpace(in.ID), strings.TrimSpace(in.Name)
	if _, err := s.Store.Site(in.ID); err == nil {
		return consent.Errorf(consent.ECodeInvalid, "a site with id %q already exists", in.ID)
	}
	if in.Name == "" {
		return consent.Errorf(consent.ECodeInvalid, "give the site a name")
	}
	site := consent.NewSite(in.ID, in.Name, in.Origins, s.Now())
	if err := s.Store.PutSite(site); errors.Is(err, store.ErrSiteChanged) { // created meanwhile
		return consent.Errorf(consent.ECodeInvalid, "a site with id %q already exists", in.ID)
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.viewSite(c, site))
}

func (s *Server) getSite(c echo.Context) error {
	site, err := s.Store.Site(c.Param("site"))
	if err != nil {
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", c.Param("site"))
	}
	return c.JSON(http.StatusOK, s.viewSite(c, site))
}

type siteEdit struct {
	Name            string         `json:"name"`
	Origins         []string       `json:"origins"`
	RetentionMonths int            `json:"retention_months"`
	Draft           consent.Config `json:"draft"`
	// Revision is the site's revision the edit was made on; 0 saves over
	// whatever is stored (clients written before revisions).
	Revision int64 `json:"revision"`
}

// updateSite saves the draft and the site's settings; nothing visitors see
// changes until publish. Errors: not_found, dark_pattern, invalid_request,
// edit_conflict (saved by someone else since the revision edited).
func (s *Server) updateSite(c echo.Context) error {
	site, err := s.Store.Site(c.Param("site"))
	if err != nil {
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", c.Param("site"))
	}
	var in siteEdit
	if err := c.Bind(&in); err != nil {
		return err
	}
	in.Draft.Site = site.ID
	if err := checkDraft(&in.Draft, false); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return consent.Errorf(consent.ECodeInvalid, "give the site a name")
	}
	site.Name, site.Draft = strings.TrimSpace(in.Name), in.Draft
	// Left out, the origins stay as they are (as retention does): a client
	// that only edits the draft must not refuse every visitor's decision.
	// An empty list clears them.
	if in.Origins != nil {
		site.Origins = in.Origins
	}
	if in.RetentionMonths != 0 {
		site.RetentionMonths = in.RetentionMonths
	}
	if in.Revision != 0 {
		site.Revision = in.Revision
	}
	if err := s.Store.PutSite(site); errors.Is(err, store.ErrSiteChanged) {
		return consent.Errorf(ECodeEditConflict, "this site was saved elsewhere after you opened it (by someone else, or by you in another tab); your changes are not saved: copy them, load the saved version, and apply yours again")
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewSite(c, site))
}

// publishSite makes the saved draft the served config, as a new immutable
// version (or re-serves an identical earlier one). With {"revision": n} it
// publishes only the draft of that revision: the one its caller saved, not
// one another owner saved since. Errors: not_found, dark_pattern,
// invalid_request, edit_conflict.
func (s *Server) publishSite(c echo.Context) error {
	site, err := s.Store.Site(c.Param("site"))
	if err != nil {
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", c.Param("site"))
	}
	var in struct {
		Revision int64 `json:"revision"`
	}
	if c.Request().ContentLength != 0 {
		if err := c.Bind(&in); err != nil {
			return err
		}
	}
	// Checked under the store's lock: what is checked is what is published.
	if _, err := s.Store.PublishChecked(site.ID, s.Now(), func(cur *consent.Site) error {
		if in.Revision != 0 && cur.Revision != in.Revision {
			return consent.Errorf(ECodeEditConflict, "the draft was saved elsewhere after you saved yours (by someone else, or by you in another tab), so it was not published: load the saved version, check it, and publish again")
		}
		return checkDraft(&cur.Draft, true)
	}); err != nil {
		return err
	}
	site, err = s.Store.Site(site.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewSite(c, site))
}

// siteVersion returns one published config exactly as it was served.
func (s *Server) siteVersion(c echo.Context) error {
	pub, err := s.Store.Config(c.Param("site"), c.Param("version"))
	if errors.Is(err, store.ErrNotFound) {
		return consent.Errorf(consent.ECodeNotFound, "site %q has no version %s", c.Param("site"), c.Param("version"))
	} else if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, served(pub))
}
