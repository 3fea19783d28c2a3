package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
)

// adminPrefix starts every admin path.
const adminPrefix = "/_sandbox/"

// maxAdminBody bounds admin request bodies.
const maxAdminBody = 1 << 20

// adminMux routes the admin API listed in the package documentation.
func (s *Server) adminMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_sandbox/faults", s.adminAddFault)
	mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, _ *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.listFaults())
	})
	mux.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sandbox/faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.RemoveFault(r.PathValue("id")) {
			writeAdminError(w, http.StatusNotFound, "no fault "+r.PathValue("id"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sandbox/tokens/expire", func(w http.ResponseWriter, _ *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sandbox/messages", func(w http.ResponseWriter, _ *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.Messages())
	})
	mux.HandleFunc("POST /_sandbox/users", s.adminSeedUsers)
	mux.HandleFunc("GET /_sandbox/users/{name}", s.adminUser)
	mux.HandleFunc("POST /_sandbox/users/{name}/online", s.adminOnline)
	mux.HandleFunc("POST /_sandbox/groups", s.adminSeedGroup)
	mux.HandleFunc("GET /_sandbox/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		g, ok := s.Group(r.PathValue("id"))
		if !ok {
			writeAdminError(w, http.StatusNotFound, "no group "+r.PathValue("id"))
			return
		}
		writeAdminJSON(w, http.StatusOK, g)
	})
	return mux
}

func (s *Server) adminAddFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !readAdminJSON(w, r, &f) {
		return
	}
	if err := f.Validate(); err != nil {
		writeAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeAdminJSON(w, http.StatusOK, map[string]string{"id": s.AddFault(f)})
}

func (s *Server) adminSeedUsers(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Usernames []string `json:"usernames"`
	}
	if !readAdminJSON(w, r, &req) {
		return
	}
	s.SeedUsers(req.Usernames...)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminSeedGroup(w http.ResponseWriter, r *http.Request) {
	var req Group
	if !readAdminJSON(w, r, &req) {
		return
	}
	if req.ID == "" || req.Owner == "" {
		writeAdminError(w, http.StatusBadRequest, "id and owner are required")
		return
	}
	s.SeedGroup(req.ID, req.Owner, req.Members...)
	w.WriteHeader(http.StatusNoContent)
}

// readAdminJSON decodes a bounded admin body into v, answering 400 and
// returning false when it cannot.
func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, "decode body: "+err.Error())
		return false
	}
	return true
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAdminError(w http.ResponseWriter, status int, msg string) {
	writeAdminJSON(w, status, map[string]string{"error": msg})
}
