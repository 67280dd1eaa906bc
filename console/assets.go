// Package console is Baton's web console: the built front end (web/,
// built into dist/ and embedded, so the binary needs nothing else) and the
// console's own read-only JSON API beside the Step Functions API.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Site serves the console's page at "/" and its files at "/assets/".
// Asset names carry a hash of their content, so browsers may keep them
// for good; the page itself is always asked again.
func Site() http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			files.ServeHTTP(w, r)
			return
		}
		// The page: no other site may frame it (clickjacking), and it loads
		// nothing from elsewhere.
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		http.ServeFileFS(w, r, root, "index.html")
	})
}
