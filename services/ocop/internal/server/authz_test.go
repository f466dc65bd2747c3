package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

// publicReads are the endpoints anyone may call without a token: the
// public catalogue, fairs and search. Every other documented endpoint
// refuses an anonymous caller.
var publicReads = map[string]bool{
	"GET /p/{id}": true, "GET /v1/fairs": true, "GET /v1/fairs/{id}": true, "GET /v1/fairs/{id}/exhibitors": true,
	"GET /v1/fairs/{id}/floorplan.svg": true, "GET /v1/producers/{id}": true, "GET /v1/products": true,
	"GET /v1/products/{id}": true, "GET /v1/products/{id}/qr.png": true, "GET /v1/products/{id}/trace": true,
	"GET /v1/search/products": true,
}

// The authorisation matrix: every documented endpoint called anonymously,
// and the endpoints that hold someone's data called as their owner, as a
// stranger of the same role, as other roles and anonymously.
func TestAuthorisationMatrix(t *testing.T) {
	proc := start(t, testkit.DatabaseURL(t), t.TempDir(), "", server.ServiceNames)
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}
	seedCatalogue(t, w)

	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	c.Do(t, http.MethodGet, "/v1/openapi.json", nil, "").JSON(t, &doc)
	param := regexp.MustCompile(`\{[^}]+\}`)
	operations := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			m := strings.ToUpper(method)
			operations++
			if publicReads[m+" "+path] {
				continue
			}
			res := c.Do(t, m, param.ReplaceAllString(path, "x"), map[string]any{}, "")
			require.Equal(t, http.StatusUnauthorized, res.Status, "%s %s anonymously: %s", m, path, res.Body)
		}
	}
	require.Greater(t, operations, 60, "every service's endpoints are documented")

	tok := testkit.Token
	buyer1, buyer2 := tok(t, auth.RoleBuyer, "buyer-1"), tok(t, auth.RoleBuyer, "buyer-2")
	prd1, prd2 := tok(t, auth.RoleProducer, "prd-001"), tok(t, auth.RoleProducer, "prd-002")
	org1, org2 := tok(t, auth.RoleOrganiser, "org-1"), tok(t, auth.RoleOrganiser, "org-2")
	official, admin := tok(t, auth.RoleOfficial, ""), tok(t, auth.RoleAdmin, "")

	demandID := postDemand(t, w, buyer1)
	waitForMatches(t, w, demandID, buyer1)
	var quote struct{ ID string }
	// The demand service learns whom matching picked from an event.
	testkit.Eventually(t, 30*time.Second, "the matched producer may quote", func() bool {
		res := c.Do(t, http.MethodPost, "/v1/demands/"+demandID+"/quotes", map[string]any{"product_id": "p-dried-1", "price_vnd": 150000,
			"quantity": 1500, "unit": "kg"}, prd1)
		res.JSON(t, &quote)
		return res.Status == http.StatusCreated
	})
	var hook struct{ ID string }
	res := c.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://203.0.113.10/ocop", "events": []string{"match.created"}}, prd1)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	res.JSON(t, &hook)
	var notes struct{ Items []struct{ ID string } }
	c.Do(t, http.MethodGet, "/v1/notifications", nil, prd1).JSON(t, &notes)
	require.NotEmpty(t, notes.Items)
	today := time.Now().In(time.FixedZone("ICT", 7*3600))
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	fair := map[string]any{"id": "fair-authz", "name": "Hội chợ kiểm thử quyền", "venue": "Nhà văn hóa", "province": "Bắc Ninh",
		"lat": 21.27, "lon": 106.19, "starts_on": day(10), "ends_on": day(11), "groups": []string{"thuc_pham"},
		"applications_open_on": day(0), "applications_close_on": day(5)}
	require.Equal(t, http.StatusCreated, c.Do(t, http.MethodPost, "/v1/fairs", fair, org1).Status)

	demand, quotePath, webhook := "/v1/demands/"+demandID, "/v1/quotes/"+quote.ID, "/v1/webhooks/"+hook.ID
	patchDemand := map[string]any{"quantity": 1600}
	patchProduct := map[string]any{"price_vnd": 151000}
	type call struct {
		who    string
		token  string
		status int
	}
	rows := []struct {
		method, path string
		body         any
		calls        []call
	}{
		{http.MethodGet, demand, nil, []call{{"owner", buyer1, 200}, {"other buyer", buyer2, 403}, {"official", official, 200},
			{"admin", admin, 200}, {"organiser", org1, 403}, {"anonymous", "", 401}}},
		{http.MethodPatch, demand, patchDemand, []call{{"other buyer", buyer2, 403}, {"producer", prd1, 403}, {"official", official, 403},
			{"anonymous", "", 401}, {"owner", buyer1, 200}}},
		{http.MethodGet, demand + "/matches", nil, []call{{"owner", buyer1, 200}, {"other buyer", buyer2, 403}, {"producer", prd1, 403},
			{"official", official, 200}}},
		{http.MethodGet, demand + "/quotes", nil, []call{{"owner", buyer1, 200}, {"other buyer", buyer2, 403}, {"quoting producer", prd1, 200}}},
		{http.MethodGet, quotePath, nil, []call{{"owner", buyer1, 200}, {"its producer", prd1, 200}, {"other producer", prd2, 403},
			{"other buyer", buyer2, 403}}},
		{http.MethodPost, quotePath + "/shortlist", nil, []call{{"other buyer", buyer2, 403}, {"its producer", prd1, 403},
			{"anonymous", "", 401}, {"owner", buyer1, 200}}},
		{http.MethodPost, demand + "/close", nil, []call{{"other buyer", buyer2, 403}, {"producer", prd2, 403}}},
		{http.MethodPatch, "/v1/products/p-dried-1", patchProduct, []call{{"other producer", prd2, 403}, {"buyer", buyer1, 403},
			{"anonymous", "", 401}, {"owner", prd1, 200}}},
		{http.MethodDelete, "/v1/products/p-dried-2", nil, []call{{"other producer", prd1, 403}, {"organiser", org1, 403}}},
		{http.MethodGet, "/v1/stats", nil, []call{{"official", official, 200}, {"admin", admin, 200}, {"buyer", buyer1, 403},
			{"producer", prd1, 403}}},
		{http.MethodGet, webhook, nil, []call{{"owner", prd1, 200}, {"other producer", prd2, 404}, {"buyer", buyer1, 404}}},
		{http.MethodGet, webhook + "/deliveries", nil, []call{{"other producer", prd2, 404}, {"owner", prd1, 200}}},
		{http.MethodPost, webhook + "/disable", nil, []call{{"other producer", prd2, 404}, {"official", official, 403}}},
		{http.MethodDelete, webhook, nil, []call{{"other producer", prd2, 404}, {"owner", prd1, 204}}},
		{http.MethodPost, "/v1/notifications/" + notes.Items[0].ID + "/read", nil, []call{{"other producer", prd2, 404},
			{"buyer", buyer1, 404}, {"official", official, 403}, {"owner", prd1, 204}}},
		{http.MethodPost, "/v1/notification-digests", nil, []call{{"producer", prd1, 403}, {"official", official, 403}, {"admin", admin, 202}}},
		{http.MethodGet, "/v1/fairs/fair-authz", nil, []call{{"owner", org1, 200}, {"other organiser", org2, 404},
			{"producer", prd1, 404}, {"anonymous", "", 404}, {"admin", admin, 200}}},
		{http.MethodPost, "/v1/fairs/fair-authz/booths", map[string]any{"code": "Z-1", "type": "standard", "price_vnd": 1000000}, []call{
			{"other organiser", org2, 403}, {"producer", prd1, 403}, {"owner", org1, 201}}},
		{http.MethodPost, "/v1/fairs/fair-authz/publish", nil, []call{{"other organiser", org2, 403}, {"buyer", buyer1, 403},
			{"owner", org1, 200}}},
		// A producer lists only its own applications.
		{http.MethodGet, "/v1/fairs/fair-authz/applications", nil, []call{{"other organiser", org2, 403}, {"producer", prd1, 200},
			{"owner", org1, 200}}},
	}
	for _, row := range rows {
		for _, call := range row.calls {
			res := c.Do(t, row.method, row.path, row.body, call.token)
			require.Equal(t, call.status, res.Status, "%s %s as %s: %s", row.method, row.path, call.who, res.Body)
		}
	}

	// Every endpoint on someone else's data, as strangers of each role: none
	// answers with another's data.
	ids := map[string]string{"/v1/demands/": demandID, "/v1/quotes/": quote.ID, "/v1/webhooks/": "wh_none",
		"/v1/fairs/": "fair-authz", "/v1/products/": "p-dried-1", "/v1/producers/": "prd-001", "/v1/buyers/": "buyer-1",
		"/v1/notifications/": notes.Items[0].ID}
	strangers := map[string]string{"buyer": buyer2, "producer": tok(t, auth.RoleProducer, "prd-009"), "organiser": org2}
	for path, ops := range doc.Paths {
		if !strings.Contains(path, "{") {
			continue
		}
		concrete := path
		for prefix, id := range ids {
			if strings.HasPrefix(path, prefix+"{") {
				concrete = prefix + id + path[strings.Index(path, "}")+1:]
			}
		}
		concrete = param.ReplaceAllString(concrete, "x")
		for method := range ops {
			m := strings.ToUpper(method)
			for role, token := range strangers {
				res := c.Do(t, m, concrete, map[string]any{}, token)
				op := m + " " + path
				switch {
				case res.Status >= 400:
				case publicReads[op]:
				case ownScoped[op]:
					for _, theirs := range []string{"prd-001", "buyer-1", quote.ID} {
						require.NotContains(t, string(res.Body), theirs, "%s as a stranger %s shows another's data", op, role)
					}
				case op == "POST /v1/fairs/{id}/participants" && role == "buyer":
					// Any buyer may register for a published fair.
				default:
					t.Errorf("%s as a stranger %s answered %d: %s", op, role, res.Status, res.Body)
				}
			}
		}
	}
}

// ownScoped are endpoints on another's resource that answer a stranger with
// the stranger's own part of it: its quotes on a demand, its applications
// to a fair, its agenda there, the fair's free slots.
var ownScoped = map[string]bool{
	"GET /v1/demands/{id}/quotes": true, "GET /v1/fairs/{id}/applications": true, "GET /v1/fairs/{id}/agenda": true,
	"GET /v1/fairs/{id}/agenda.ics": true, "GET /v1/fairs/{id}/slots": true,
}
