package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The chart is drawn by hand on an image.RGBA: two panels, throughput and latency against concurrency, with the
// concurrency levels evenly spaced. Text is x/image's 7×13 bitmap font, so nothing else is needed.

var (
	colBackground = color.RGBA{255, 255, 255, 255}
	colAxis       = color.RGBA{60, 60, 60, 255}
	colGrid       = color.RGBA{226, 226, 226, 255}
	colText       = color.RGBA{30, 30, 30, 255}
	colServer     = color.RGBA{31, 119, 180, 255}
	colCeiling    = color.RGBA{255, 127, 14, 255}
	colP95        = color.RGBA{44, 160, 44, 255}
	colP99        = color.RGBA{214, 39, 40, 255}
	colCeilingP99 = color.RGBA{150, 150, 150, 255}
)

type series struct {
	name   string
	col    color.RGBA
	dashed bool
	ys     []float64
}

type panel struct {
	title  string
	unit   string
	xs     []string
	series []series
	target float64 // a dashed horizontal line, 0 for none
	tlabel string
}

func writeChart(path string, r *report) error {
	points := r.sweep
	if len(points) == 0 {
		points = []sweepPoint{{r.cfg.Concurrency, r.mainServer, r.mainCeiling}}
	}
	var xs []string
	var srv, ceil, p50, p95, p99, cp99 []float64
	msf := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, p := range points {
		xs = append(xs, fmt.Sprint(p.Concurrency))
		srv = append(srv, p.Server.Rate())
		ceil = append(ceil, p.Ceiling.Rate())
		p50 = append(p50, msf(p.Server.Lat.P50))
		p95 = append(p95, msf(p.Server.Lat.P95))
		p99 = append(p99, msf(p.Server.Lat.P99))
		cp99 = append(cp99, msf(p.Ceiling.Lat.P99))
	}
	const w, h = 1200, 560
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{colBackground}, image.Point{}, draw.Src)
	title := fmt.Sprintf("taskapi dashboard workload: %d users x %d tasks, %.0f%% writes, %s, %d cores, %s",
		r.cfg.Users, r.cfg.Tasks, 100*r.cfg.Writes, r.machine.Go, r.machine.Cores, r.started.UTC().Format("2006-01-02"))
	text(img, 20, 24, title, colText)
	drawPanel(img, image.Rect(0, 40, w/2, h), panel{
		title: "Throughput against concurrency", unit: "requests/s", xs: xs,
		series: []series{{name: "server (HTTP, GraphQL)", col: colServer, ys: srv}, {name: "raw-SQL ceiling (store over pgdriver)", col: colCeiling, ys: ceil}},
	})
	drawPanel(img, image.Rect(w/2, 40, w, h), panel{
		title: "Server latency against concurrency", unit: "ms", xs: xs,
		series: []series{
			{name: "server p50", col: colServer, ys: p50}, {name: "server p95", col: colP95, ys: p95},
			{name: "server p99", col: colP99, ys: p99}, {name: "ceiling p99", col: colCeilingP99, dashed: true, ys: cp99},
		},
		target: 10, tlabel: "target: p99 < 10 ms",
	})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func drawPanel(img *image.RGBA, area image.Rectangle, p panel) {
	// The plot area inside the panel, leaving room for the title, the tick labels and the legend.
	plot := image.Rect(area.Min.X+80, area.Min.Y+40, area.Max.X-30, area.Max.Y-110)
	text(img, area.Min.X+80, area.Min.Y+22, p.title, colText)
	ymax := 0.0
	for _, s := range p.series {
		for _, y := range s.ys {
			ymax = math.Max(ymax, y)
		}
	}
	ymax = math.Max(ymax, p.target)
	step := niceStep(ymax / 5)
	top := step * math.Ceil(ymax*1.05/step)
	if top <= 0 {
		top, step = 1, 0.2
	}
	yOf := func(v float64) int { return plot.Max.Y - int(math.Round(v/top*float64(plot.Dy()))) }
	for v := 0.0; v <= top+step/2; v += step {
		y := yOf(v)
		hline(img, plot.Min.X, plot.Max.X, y, colGrid)
		label := formatTick(v, step)
		text(img, plot.Min.X-8-7*len(label), y+4, label, colText)
	}
	text(img, area.Min.X+8, plot.Min.Y-8, p.unit, colText)
	n := len(p.xs)
	xOf := func(i int) int {
		if n == 1 {
			return (plot.Min.X + plot.Max.X) / 2
		}
		margin := 30
		return plot.Min.X + margin + i*(plot.Dx()-2*margin)/(n-1)
	}
	for i, x := range p.xs {
		vline(img, xOf(i), plot.Max.Y, plot.Max.Y+5, colAxis)
		text(img, xOf(i)-7*len(x)/2, plot.Max.Y+20, x, colText)
	}
	text(img, (plot.Min.X+plot.Max.X)/2-7*len("concurrent clients")/2, plot.Max.Y+40, "concurrent clients", colText)
	hline(img, plot.Min.X, plot.Max.X, plot.Max.Y, colAxis)
	vline(img, plot.Min.X, plot.Min.Y, plot.Max.Y, colAxis)
	if p.target > 0 {
		y := yOf(p.target)
		line(img, plot.Min.X, y, plot.Max.X, y, colP99, true)
		text(img, plot.Max.X-7*len(p.tlabel)-4, y-6, p.tlabel, colP99)
	}
	for _, s := range p.series {
		for i := range s.ys {
			x, y := xOf(i), yOf(s.ys[i])
			if i > 0 {
				line(img, xOf(i-1), yOf(s.ys[i-1]), x, y, s.col, s.dashed)
			}
			dot(img, x, y, 4, s.col)
		}
	}
	// The legend, under the axis.
	lx, ly := plot.Min.X, plot.Max.Y+62
	for i, s := range p.series {
		x := lx + (i%2)*250
		y := ly + (i/2)*18
		line(img, x, y-4, x+24, y-4, s.col, s.dashed)
		dot(img, x+12, y-4, 3, s.col)
		text(img, x+32, y, s.name, colText)
	}
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func formatTick(v, step float64) string {
	if step >= 1 {
		return fmt.Sprintf("%.0f", v)
	}
	decimals := int(math.Ceil(-math.Log10(step)))
	return fmt.Sprintf("%.*f", decimals, v)
}

func text(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// line draws a two-pixel line from (x0, y0) to (x1, y1), dashed in runs of 6 when asked.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, dashed bool) {
	dx, dy := float64(x1-x0), float64(y1-y0)
	steps := int(math.Max(math.Abs(dx), math.Abs(dy)))
	if steps == 0 {
		steps = 1
	}
	for i := 0; i <= steps; i++ {
		if dashed && (i/6)%2 == 1 {
			continue
		}
		x := x0 + int(math.Round(dx*float64(i)/float64(steps)))
		y := y0 + int(math.Round(dy*float64(i)/float64(steps)))
		img.SetRGBA(x, y, c)
		img.SetRGBA(x+1, y, c)
		img.SetRGBA(x, y+1, c)
	}
}

func dot(img *image.RGBA, cx, cy, r int, c color.RGBA) {
	for y := -r; y <= r; y++ {
		for x := -r; x <= r; x++ {
			if x*x+y*y <= r*r {
				img.SetRGBA(cx+x, cy+y, c)
			}
		}
	}
}
