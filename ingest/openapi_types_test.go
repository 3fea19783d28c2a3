package ingest_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/tasks"
)

// TestOpenAPI_TaskTypeEnumIsTheRegistry: the document's task type enum
// lists every registered type and nothing else, so a type added in tasks
// (issue #12) cannot be refused by a client that validates against it.
func TestOpenAPI_TaskTypeEnumIsTheRegistry(t *testing.T) {
	t.Parallel()
	var doc struct {
		Components struct {
			Schemas struct {
				Task struct {
					Properties struct {
						Type struct {
							Enum []string `json:"enum"`
						} `json:"type"`
					} `json:"properties"`
				} `json:"Task"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(ingest.OpenAPI, &doc))
	enum := slices.Sorted(slices.Values(doc.Components.Schemas.Task.Properties.Type.Enum))
	require.Equal(t, tasks.Types(), enum)
}
