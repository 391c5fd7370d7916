package api

import (
	"net/http"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

// maxInsightDays bounds one insights request: a year and a bit of daily
// counters is a few hundred keys.
const maxInsightDays = 400

type insights struct {
	Site     string           `json:"site"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	Purposes []string         `json:"purposes"`
	Days     []store.DayStats `json:"days"` // every day of the range, zeros included
	Totals   store.DayStats   `json:"totals"`
}

// siteInsights returns per-day counters for ?from=&to= (YYYY-MM-DD, UTC,
// inclusive; default the last 30 days). They are read from the counters the
// receipt commit maintains, so the cost is one key per day, whatever the
// traffic. Errors: not_found, invalid_request.
func (s *Server) siteInsights(c echo.Context) error {
	site, err := s.Store.Site(c.Param("site"))
	if err != nil {
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", c.Param("site"))
	}
	from, to, err := dayRange(c.QueryParam("from"), c.QueryParam("to"), s.Now())
	if err != nil {
		return err
	}
	stats, err := s.Store.Stats(site.ID, from, to)
	if err != nil {
		return err
	}
	out := insights{Site: site.ID, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		Purposes: site.Draft.PurposeIDs(), Totals: store.DayStats{Actions: map[string]int64{}, Granted: map[string]int64{}}}
	if _, pub, err := s.Store.Current(site.ID); err == nil {
		out.Purposes = pub.Config.PurposeIDs()
	}
	i := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		day := store.DayStats{Day: d.Format(time.DateOnly)}
		if i < len(stats) && stats[i].Day == day.Day {
			day = stats[i]
			i++
		}
		out.Days = append(out.Days, day)
		addTo(&out.Totals, &day)
	}
	return c.JSON(http.StatusOK, out)
}

func addTo(t, d *store.DayStats) {
	t.Decisions += d.Decisions
	for k, v := range d.Actions {
		t.Actions[k] += v
	}
	for k, v := range d.Granted {
		t.Granted[k] += v
	}
}

func dayRange(fromS, toS string, now time.Time) (from, to time.Time, err error) {
	to = now.UTC().Truncate(24 * time.Hour)
	if toS != "" {
		if to, err = time.Parse(time.DateOnly, toS); err != nil {
			return from, to, consent.Errorf(consent.ECodeInvalid, "to must be a date like 2026-11-22")
		}
	}
	from = to.AddDate(0, 0, -29) // the 30 days up to to, whichever it is
	if fromS != "" {
		if from, err = time.Parse(time.DateOnly, fromS); err != nil {
			return from, to, consent.Errorf(consent.ECodeInvalid, "from must be a date like 2026-11-01")
		}
	}
	if from.After(to) || to.Sub(from) > maxInsightDays*24*time.Hour {
		return from, to, consent.Errorf(consent.ECodeInvalid, "from must be before to, at most %d days apart", maxInsightDays)
	}
	return from, to, nil
}
