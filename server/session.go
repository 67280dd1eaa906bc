package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A browser cannot sign requests with an access key (and a page served
// over plain HTTP has no Web Crypto to do it with), so when the server
// requires signatures the console signs in instead: the person gives an
// access key id and its secret once, and gets a session cookie that the
// API and the console's API take in place of a signature. The cookie is
// HttpOnly (no script reads it) and SameSite=Strict (no other site's page
// sends it), and cross-origin requests are refused anyway.

const (
	sessionCookie = "baton_session"
	sessionTTL    = 12 * time.Hour
)

// sessions makes and checks session cookies. Its key is made at start, so
// a restart signs everybody out.
type sessions struct {
	keys map[string]string
	key  []byte
	now  func() time.Time
}

func newSessions(keys map[string]string, now func() time.Time) *sessions {
	s := &sessions{keys: keys, key: make([]byte, 32), now: now}
	rand.Read(s.key) //nolint:errcheck // crypto/rand does not fail (Go 1.24+)
	return s
}

// mac binds the cookie to the key's secret too: a key taken out of
// baton.yaml (or given a new secret) ends its sessions.
func (s *sessions) mac(id, expiry, secret string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(expiry + "\x00" + id + "\x00" + secret))
	return h.Sum(nil)
}

func (s *sessions) make(id string) (string, time.Time) {
	exp := s.now().Add(sessionTTL)
	e := strconv.FormatInt(exp.Unix(), 10)
	enc := base64.RawURLEncoding
	return e + "." + enc.EncodeToString([]byte(id)) + "." + enc.EncodeToString(s.mac(id, e, s.keys[id])), exp
}

// who returns the access key id of a request's valid session, or "".
func (s *sessions) who(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return ""
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || s.now().Unix() >= exp {
		return ""
	}
	enc := base64.RawURLEncoding
	id, err := enc.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	mac, err := enc.DecodeString(parts[2])
	if err != nil {
		return ""
	}
	secret, ok := s.keys[string(id)]
	if !ok || !hmac.Equal(mac, s.mac(string(id), parts[0], secret)) {
		return ""
	}
	return string(id)
}

// handle answers /console/api/session: GET tells whether signing in is
// required and who is signed in, POST signs in, DELETE signs out.
func (s *sessions) handle(w http.ResponseWriter, r *http.Request) {
	required := len(s.keys) > 0
	switch r.Method {
	case http.MethodGet:
		id := ""
		if required {
			id = s.who(r)
		}
		writeJSON(w, http.StatusOK, map[string]any{"required": required, "signedIn": !required || id != "", "accessKeyId": id})
	case http.MethodPost:
		if !required {
			writeJSON(w, http.StatusOK, map[string]any{"required": false, "signedIn": true})
			return
		}
		var in struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "The body is not {\"accessKeyId\", \"secretAccessKey\"}"})
			return
		}
		secret, ok := s.keys[in.AccessKeyID]
		if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(in.SecretAccessKey)) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Unknown access key, or a wrong secret"})
			return
		}
		value, exp := s.make(in.AccessKeyID)
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", Expires: exp,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
		writeJSON(w, http.StatusOK, map[string]any{"required": true, "signedIn": true, "accessKeyId": in.AccessKeyID})
	case http.MethodDelete:
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
		writeJSON(w, http.StatusOK, map[string]any{"required": required, "signedIn": !required})
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "GET, POST or DELETE"})
	}
}

// guard lets through requests of a signed-in session (all of them when
// no keys are required).
func (s *sessions) guard(next http.Handler) http.Handler {
	if len(s.keys) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.who(r) == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Sign in with an access key of this server"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n')) //nolint:errcheck // the client went away
}
