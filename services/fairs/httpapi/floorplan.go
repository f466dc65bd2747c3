package httpapi

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/services/fairs/app"
)

// Booth colours by status, also in the legend.
var boothColours = map[string]string{"available": "#cdebd3", "booked": "#8ab4f8"}

const cell = 24 // pixels per grid cell

// floorplan draws the fair's halls side by side, each booth a rectangle
// coloured by status and labelled with its code (and exhibitor when booked),
// so an organiser sees the floor at a glance.
func (a *API) floorplan(c echo.Context) error {
	fl, err := a.app.Fair(c.Request().Context(), who(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/svg+xml; charset=utf-8", []byte(FloorPlanSVG(fl)))
}

// FloorPlanSVG renders the floor plan.
func FloorPlanSVG(fl app.Floor) string {
	var b strings.Builder
	width, height, x := 0, 0, 0
	offsets := map[string]int{}
	for _, h := range fl.Halls {
		offsets[h.ID] = x
		x += (h.Width + 1) * cell
		height = max(height, (h.Height+3)*cell)
	}
	width = max(x, 12*cell)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`,
		width, height+2*cell, width, height+2*cell)
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(fl.Fair.Name))
	for _, h := range fl.Halls {
		ox := offsets[h.ID]
		fmt.Fprintf(&b, `<g class="hall" id="hall-%s"><text x="%d" y="%d" font-size="14">%s</text>`,
			html.EscapeString(h.ID), ox, cell-6, html.EscapeString(h.Name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#555"/>`, ox, cell, h.Width*cell, h.Height*cell)
		for _, bt := range fl.Booths {
			if bt.HallID != h.ID {
				continue
			}
			status, label := "available", bt.Code
			if bt.Booking != nil {
				status, label = "booked", bt.Code+" · "+bt.Booking.ProducerID
			}
			fmt.Fprintf(&b, `<g class="booth" data-code="%s" data-status="%s">`, html.EscapeString(bt.Code), status)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#333"/>`,
				ox+bt.X*cell, cell+bt.Y*cell, bt.W*cell, bt.H*cell, boothColours[status])
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10">%s</text></g>`,
				ox+bt.X*cell+3, cell+bt.Y*cell+13, html.EscapeString(label))
		}
		b.WriteString(`</g>`)
	}
	ly := height + cell
	for i, status := range []string{"available", "booked"} {
		fmt.Fprintf(&b, `<rect class="legend" x="%d" y="%d" width="12" height="12" fill="%s" stroke="#333"/><text x="%d" y="%d" font-size="11">%s</text>`,
			i*6*cell, ly, boothColours[status], i*6*cell+16, ly+11, status)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
