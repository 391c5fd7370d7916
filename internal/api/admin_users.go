package api

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

var userName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Passwords are 12 to 72 bytes: bcrypt reads no further than 72, and
// refuses to hash more rather than ignore the rest.
const minPassword, maxPassword = 12, 72

func checkPassword(pw string) error {
	if len(pw) < minPassword || len(pw) > maxPassword {
		return consent.Errorf(consent.ECodeInvalid, "passwords need %d to %d bytes (characters, for plain ASCII)", minPassword, maxPassword)
	}
	return nil
}

type userView struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt string `json:"created_at"`
}

type userInput struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func validRole(r string) bool { return r == RoleOwner || r == RoleAuditor }

func (s *Server) listUsers(c echo.Context) error {
	users, err := s.Store.Users()
	if err != nil {
		return err
	}
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = userView{Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt.Format(timeMillis)}
	}
	return c.JSON(http.StatusOK, out)
}

// createUser adds an account. Errors: invalid_request (name, role, a
// password too short or too long, name taken).
func (s *Server) createUser(c echo.Context) error {
	var in userInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	in.Name = strings.ToLower(strings.TrimSpace(in.Name))
	switch {
	case !userName.MatchString(in.Name):
		return consent.Errorf(consent.ECodeInvalid, "user names are lower-case letters, digits, dot, dash or underscore")
	case !validRole(in.Role):
		return consent.Errorf(consent.ECodeInvalid, "role must be owner or auditor")
	}
	if err := checkPassword(in.Password); err != nil {
		return err
	}
	if _, err := s.Store.User(in.Name); err == nil {
		return consent.Errorf(consent.ECodeInvalid, "user %q already exists", in.Name)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	u := &store.User{Name: in.Name, Role: in.Role, PasswordHash: hash, CreatedAt: s.Now().UTC()}
	if err := s.Store.CreateUser(u); errors.Is(err, store.ErrExists) { // created meanwhile
		return consent.Errorf(consent.ECodeInvalid, "user %q already exists", in.Name)
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, userView{Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt.Format(timeMillis)})
}

// updateUser changes a role and/or password; either signs the account out
// everywhere. The password is hashed first, and the change applied to the
// account as stored when it is written (see store.UpdateUser). Errors:
// not_found, invalid_request (would leave no owner).
func (s *Server) updateUser(c echo.Context) error {
	var in userInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	if in.Role != "" && !validRole(in.Role) {
		return consent.Errorf(consent.ECodeInvalid, "role must be owner or auditor")
	}
	var hash []byte
	if in.Password != "" {
		if err := checkPassword(in.Password); err != nil {
			return err
		}
		var err error
		if hash, err = bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost); err != nil {
			return err
		}
	}
	u, err := s.Store.UpdateUser(c.Param("name"), func(u *store.User) {
		if in.Role != "" {
			u.Role = in.Role
		}
		if hash != nil {
			u.PasswordHash = hash
		}
	})
	if err != nil {
		return userError(err, c.Param("name"))
	}
	return c.JSON(http.StatusOK, userView{Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt.Format(timeMillis)})
}

// deleteUser removes an account. Errors: not_found, invalid_request (your
// own account, or the last owner).
func (s *Server) deleteUser(c echo.Context) error {
	p := c.Get(principalKey).(*principal)
	if name := c.Param("name"); name == p.Account { // through a session or one's own token
		return consent.Errorf(consent.ECodeInvalid, "you cannot delete your own account")
	}
	if err := s.Store.DeleteUser(c.Param("name")); err != nil {
		return userError(err, c.Param("name"))
	}
	return c.NoContent(http.StatusNoContent)
}

func userError(err error, name string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return consent.Errorf(consent.ECodeNotFound, "no user %q", name)
	case errors.Is(err, store.ErrLastOwner):
		return consent.Errorf(consent.ECodeInvalid, "%s is the last owner; make someone else owner first", name)
	}
	return err
}

type tokenView struct {
	store.APIToken
	Token string `json:"token,omitempty"` // the secret, only in the creation response
}

func (s *Server) listTokens(c echo.Context) error {
	ts, err := s.Store.Tokens()
	if err != nil {
		return err
	}
	out := make([]tokenView, len(ts))
	for i, t := range ts {
		out[i] = tokenView{APIToken: t}
	}
	return c.JSON(http.StatusOK, out)
}

// createToken mints an API token and returns its secret this once. Errors:
// invalid_request.
func (s *Server) createToken(c echo.Context) error {
	var in struct{ Name, Role string }
	if err := c.Bind(&in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 64 {
		return consent.Errorf(consent.ECodeInvalid, "give the token a name of up to 64 characters")
	}
	if !validRole(in.Role) {
		return consent.Errorf(consent.ECodeInvalid, "role must be owner or auditor")
	}
	secret := tokenPrefix + newSecret()
	p := c.Get(principalKey).(*principal)
	t := store.APIToken{ID: uuid.NewString()[:8], Name: in.Name, Role: in.Role,
		CreatedBy: p.Name, Account: p.Account, CreatedAt: s.Now().UTC()}
	if err := s.Store.PutToken(hashSecret(secret), &t); errors.Is(err, store.ErrNotFound) {
		return consent.Errorf(consent.ECodeUnauthorized, "your account was removed")
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, tokenView{APIToken: t, Token: secret})
}

func (s *Server) revokeToken(c echo.Context) error {
	err := s.Store.DeleteToken(c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return consent.Errorf(consent.ECodeNotFound, "no token %q", c.Param("id"))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
