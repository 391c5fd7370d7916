package api

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/assent/assent/internal/consent"
	"github.com/labstack/echo/v4"
)

// TestVerifyUploadOneAtATime: while a pack is being checked, another
// upload is told to retry (503) rather than run beside it.
func TestVerifyUploadOneAtATime(t *testing.T) {
	s := &Server{}
	upload := func() error {
		req := httptest.NewRequest("POST", "/api/v1/admin/verify", strings.NewReader("--x\r\n\r\n--x--\r\n"))
		req.Header.Set(echo.HeaderContentType, "multipart/form-data; boundary=x")
		return s.verifyUpload(echo.New().NewContext(req, httptest.NewRecorder()))
	}
	var ce *consent.Error
	s.verifying.Lock()
	if err := upload(); !errors.As(err, &ce) || ce.Code != consent.ECodeUnavailable {
		t.Errorf("an upload while another is checked: %v, want unavailable", err)
	}
	s.verifying.Unlock()
	if err := upload(); !errors.As(err, &ce) || ce.Code != consent.ECodeInvalid {
		t.Errorf("an upload with none checked: %v, want invalid_request (no pack field)", err)
	}
}
