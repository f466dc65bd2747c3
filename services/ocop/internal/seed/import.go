package seed

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ocopvn/ocop/services/catalogue/sheet"
)

// ImportReport is the catalogue's answer to an import, summed over batches.
type ImportReport struct {
	DryRun bool           `json:"dry_run"`
	Rows   int            `json:"rows"`
	Counts map[string]int `json:"counts"`
	Issues []sheet.Issue  `json:"issues"`
}

// ImportRows sends the table's rows to the server's import endpoint in
// batches, so the progress is real and no request is huge. A dry run goes in
// one request: the server can only foresee what a whole file does.
func (c Client) ImportRows(ctx context.Context, table sheet.Table, batch int, dryRun bool) (ImportReport, error) {
	total := ImportReport{DryRun: dryRun, Counts: map[string]int{}}
	if dryRun || batch <= 0 {
		batch = len(table.Rows) + 1
	}
	for start := 0; start < len(table.Rows); start += batch {
		rows := table.Rows[start:min(start+batch, len(table.Rows))]
		body, err := encode(table.Keys, rows)
		if err != nil {
			return total, err
		}
		url := c.URL + "/v1/imports?first_row=" + strconv.Itoa(rows[0].Number) + "&dry_run=" + strconv.FormatBool(dryRun)
		rep, err := c.postImport(ctx, url, body)
		if err != nil {
			return total, fmt.Errorf("rows %d–%d: %w", rows[0].Number, rows[len(rows)-1].Number, err)
		}
		total.Rows += rep.Rows
		for k, v := range rep.Counts {
			total.Counts[k] += v
		}
		total.Issues = append(total.Issues, rep.Issues...)
		if c.Progress != nil {
			c.Progress(start+len(rows), len(table.Rows))
		}
	}
	return total, nil
}

// encode writes rows back as CSV headed by the column keys, which the
// import accepts as well as the Vietnamese headers. Blank rows the file had
// between them are written as empty lines, so the server numbers every row
// as the file does.
func encode(keys []string, rows []sheet.Row) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := make([]string, 0, len(keys))
	var cols []string
	for _, k := range keys {
		if k != "" {
			header = append(header, k)
			cols = append(cols, k)
		}
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	next := rows[0].Number
	blank := make([]string, len(cols))
	for _, r := range rows {
		for ; next < r.Number; next++ {
			if err := w.Write(blank); err != nil {
				return nil, err
			}
		}
		cells := make([]string, len(cols))
		for i, k := range cols {
			cells[i] = r.Cells[k]
		}
		if err := w.Write(cells); err != nil {
			return nil, err
		}
		next++
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func (c Client) postImport(ctx context.Context, url string, body []byte) (ImportReport, error) {
	var rep ImportReport
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return rep, err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := client.Do(req)
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return rep, err
	}
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("the server answered %d: %s", resp.StatusCode, bytes.TrimSpace(data))
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return rep, fmt.Errorf("reading the import report: %w", err)
	}
	return rep, nil
}
