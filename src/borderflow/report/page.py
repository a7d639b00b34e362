"""The report page: one HTML file with its style, script, charts and data inline.

Nothing is fetched when the page is opened: no script, style sheet, font, image or map tile
comes from anywhere else, so it opens the same with no network. The script is a few lines of
plain JavaScript: the map's day slider and variant choice, and each chart's export to SVG or
PNG (drawn into a canvas in the browser, so it works offline too).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

MARK = "<!-- written by borderflow report -->"  # first line: a file borderflow may replace

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2327;background:#fff}
main{max-width:1000px;margin:0 auto;padding:16px 20px 60px}
h1{font-size:1.5rem;margin:.4em 0 .2em}h2{font-size:1.2rem;margin:1.6em 0 .4em;border-bottom:1px solid #ddd}
.answer{font-size:1.15rem;background:#eef4fa;border-left:4px solid #3b6ea5;padding:10px 14px;margin:10px 0}
.sub{color:#555;font-size:.9rem}.note{color:#555;font-size:.85rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5em 0}td,th{padding:3px 8px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.kind{display:inline-block;border-radius:3px;padding:0 5px;margin:1px;font-size:.75rem;color:#fff}
.k-observed{background:#2e7d32}.k-fitted{background:#1565c0}.k-press{background:#8e6c00}.k-assumption{background:#8d3f3f}
.k-unstated{background:#888}.k-uncertain{background:#6a1b9a}
figure{margin:14px 0;border:1px solid #e4e4e4;border-radius:4px;padding:6px}figure .tools{text-align:right}
figure button,.controls button{font-size:.75rem;margin-left:4px}
.chart-svg,.map-svg{width:100%;height:auto;display:block}.map-label{font-size:9px;fill:#333}
.controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin:6px 0}.controls input[type=range]{flex:1}
.legend span{margin-right:14px;font-size:.8rem}.prov td:nth-child(4){max-width:420px}
details summary{cursor:pointer;color:#3b6ea5}
"""

_JS = r"""
(function(){
'use strict';
function download(name, href){var a=document.createElement('a');a.href=href;a.download=name;
 document.body.appendChild(a);a.click();a.remove();}
function svgText(svg){var c=svg.cloneNode(true);c.setAttribute('xmlns','http://www.w3.org/2000/svg');
 var box=svg.viewBox&&svg.viewBox.baseVal;if(box&&box.width){c.setAttribute('width',box.width);c.setAttribute('height',box.height);}
 return new XMLSerializer().serializeToString(c);}
function exportChart(btn){
 var fig=btn.closest('figure');var svg=fig.querySelector('svg');var name=fig.id||'chart';
 var text=svgText(svg);var url='data:image/svg+xml;charset=utf-8,'+encodeURIComponent(text);
 if(btn.dataset.export==='svg'){download(name+'.svg',url);return;}
 var img=new Image();img.onload=function(){var box=svg.viewBox.baseVal;var k=2;
  var cv=document.createElement('canvas');cv.width=Math.round(box.width*k);cv.height=Math.round(box.height*k);
  var ctx=cv.getContext('2d');ctx.fillStyle='#fff';ctx.fillRect(0,0,cv.width,cv.height);
  ctx.drawImage(img,0,0,cv.width,cv.height);download(name+'.png',cv.toDataURL('image/png'));};
 img.src=url;}
document.querySelectorAll('button[data-export]').forEach(function(b){b.addEventListener('click',function(){exportChart(b);});});
var holder=document.getElementById('map-data');if(!holder)return;
var data=JSON.parse(holder.textContent);var svg=document.getElementById('map-svg');
var slider=document.getElementById('map-day');var shown=document.getElementById('map-date');
var choice=document.getElementById('map-variant');var play=document.getElementById('map-play');
var stops=[[255,237,160],[254,178,76],[240,59,32],[128,0,38]];
function colour(t){t=Math.max(0,Math.min(1,t))*(stops.length-1);var i=Math.min(Math.floor(t),stops.length-2);var f=t-i;
 var c=stops[i].map(function(v,j){return Math.round(v+(stops[i+1][j]-v)*f);});return 'rgb('+c.join(',')+')';}
function fmt(v){return v===null||v===undefined?'no data':Math.round(v).toLocaleString('en');}
var els={};['population','route_flow','port_queue','sector_encounters'].forEach(function(l){
 els[l]=Array.prototype.slice.call(svg.querySelectorAll('[data-layer="'+l+'"]'));});
function draw(){var d=+slider.value;var v=data.variants[choice.value]||{};shown.textContent=data.dates[d]||'';
 Object.keys(els).forEach(function(layer){var rows=v[layer];var top=data.max[layer]||1;
  els[layer].forEach(function(el){var k=+el.dataset.k;var row=rows&&rows[k];var x=row?row[d]:null;
   var name=data.names[layer][k];name=Array.isArray(name)?name.join(' – '):name;
   var t=el.querySelector('title');if(t)t.textContent=name+': '+fmt(x)+' '+data.layer_names[layer];
   if(x===null||x===undefined)return;var s=Math.sqrt(x/top);
   if(layer==='population'||layer==='sector_encounters'){el.setAttribute('r',(1.5+(layer==='population'?16:20)*s).toFixed(1));}
   else if(layer==='route_flow'){el.setAttribute('stroke',x>0?colour(s):'#ccc');el.setAttribute('stroke-width',(0.8+5*s).toFixed(1));}
   else{el.setAttribute('fill',colour(s));}});});}
slider.addEventListener('input',draw);choice.addEventListener('change',draw);
var timer=null;play.addEventListener('click',function(){if(timer){clearInterval(timer);timer=null;play.textContent='play';return;}
 play.textContent='pause';timer=setInterval(function(){slider.value=(+slider.value+1)%(+slider.max+1);draw();},250);});
draw();
})();
"""


def e(text: object) -> str:
    """Text from data (names, notes) made safe for HTML."""
    return html.escape(str(text), quote=True)


@dataclass
class Page:
    """A report page, built section by section (each section's HTML is already escaped)."""

    title: str
    sections: list[str] = field(default_factory=list)
    _figures: int = 0

    def add(self, html_text: str) -> None:
        self.sections.append(html_text)

    def figure(self, svg: str, caption: str, name: str) -> str:
        """A chart with its export buttons; `name` names the exported file."""
        self._figures += 1
        fid = f"fig-{self._figures:02d}-{_slug(name)}"
        return (
            f'<figure id="{fid}"><div class="tools"><button type="button" data-export="svg">SVG</button>'
            f'<button type="button" data-export="png">PNG</button></div>{svg}'
            f"<figcaption class=note>{e(caption)}</figcaption></figure>"
        )

    def render(self) -> str:
        body = "\n".join(self.sections)
        return (
            f"{MARK}\n<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            '<meta name=viewport content="width=device-width, initial-scale=1">\n'
            f"<title>{e(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
            f"<script>{_JS}</script>\n</body>\n</html>\n"
        )


def table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None, cls: str = "") -> str:
    """An HTML table; cells are given as HTML (escape data with `e`)."""
    numeric = numeric or set()
    head = "".join(f"<th{' class=n' if i in numeric else ''}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table{f' class={cls}' if cls else ''}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return "-".join(filter(None, out.split("-")))[:60] or "chart"
