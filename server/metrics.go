package server

import (
	"crypto/subtle"
	"net/http"

	"github.com/baton-sh/baton/metrics"
)

// metricsHandler serves GET /metrics. A server that requires signed
// requests (access keys in baton.yaml) requires one of its access keys of
// its scrapers too, as HTTP Basic credentials (Prometheus' basic_auth: the
// key id as the username, its secret as the password): Prometheus cannot
// sign requests, and what the metrics show (the ARNs of state machines and
// activities, how busy the server is) is not for whoever can reach the
// port.
func metricsHandler(m *metrics.Metrics, keys map[string]string) http.Handler {
	h := m.Handler()
	if len(keys) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		want, known := keys[id]
		if !ok || !known || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="baton metrics", charset="UTF-8"`)
			http.Error(w, "The metrics need an access key of this server: its id as the username, its secret as the password (HTTP Basic).",
				http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
