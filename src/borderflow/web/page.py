"""The app's one page: plain HTML, CSS and JavaScript, all inline (no CDN, nothing fetched
but the app's own API). A run's map and charts are its report, shown in a frame: the same
page `borderflow report` writes, with its day slider and its SVG and PNG buttons."""

from __future__ import annotations

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2327;background:#f6f7f8}
header{background:#1d3b5a;color:#fff;padding:8px 16px}header h1{font-size:1.2rem;margin:0}
header span{font-size:.85rem;opacity:.8}
.wrap{display:grid;grid-template-columns:390px 1fr;gap:12px;padding:12px}
.panel{background:#fff;border:1px solid #ddd;border-radius:4px;padding:10px;min-width:0}
label{font-size:.85rem}select,input{font-size:.85rem}.row{margin:5px 0}
.component{border-top:1px solid #eee;padding:5px 0;font-size:.82rem}.component .what{font-weight:600}
.component input[type=date]{width:128px}.component input[type=number]{width:80px}
.acts{color:#555;font-size:.75rem}.off{opacity:.5}
button{font-size:.85rem;cursor:pointer}#run{font-size:1rem;padding:4px 18px;margin-top:6px}
#status{font-size:.85rem;margin:6px 0;min-height:1.2em}#status.failed{color:#b00020}
progress{width:100%}
table{border-collapse:collapse;font-size:.8rem;width:100%}td,th{padding:2px 5px;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.shown{background:#eef4fa}
.view{position:sticky;top:12px;height:calc(100vh - 70px);overflow:auto}
iframe{width:100%;height:calc(100vh - 120px);border:1px solid #ddd;background:#fff}
.side{display:grid;grid-template-columns:1fr 1fr;gap:8px}.side iframe{height:calc(100vh - 160px)}
#verdict{background:#eef4fa;border-left:4px solid #3b6ea5;padding:8px 12px;margin:8px 0}
.tabs button{margin-right:4px}.tabs button.on{font-weight:700}
.note{color:#555;font-size:.8rem}
"""

_JS = r"""
(function(){
'use strict';
function $(id){return document.getElementById(id);}
var scenarios=[];var current=null;var shown=null;
function api(method,url,body){
 var opts={method:method,headers:{}};if(body!==undefined){opts.headers['Content-Type']='application/json';opts.body=JSON.stringify(body);}
 return fetch(url,opts).then(function(r){return r.json().then(function(j){
  if(!r.ok){var d=j.detail;if(typeof d!=='string'){d=(d||[]).map(function(x){return (x.loc||[]).join('.')+': '+x.msg;}).join('; ');}
   throw new Error(d||('HTTP '+r.status));}return j;});});}
function make(tag,attrs,text){var n=document.createElement(tag);Object.keys(attrs||{}).forEach(function(k){n.setAttribute(k,attrs[k]);});
 if(text!==undefined)n.textContent=text;return n;}
function say(text,failed){var s=$('status');s.textContent=text;s.className=failed?'failed':'';}
function fmt(v){return v===null||v===undefined?'':Math.round(v).toLocaleString('en');}
function loadScenarios(){return api('GET','/api/scenarios').then(function(list){scenarios=list;var sel=$('scenario');sel.innerHTML='';
 list.forEach(function(s){sel.appendChild(make('option',{value:s.name},s.name));});pickScenario();});}
function pickScenario(){current=scenarios.filter(function(s){return s.name===$('scenario').value;})[0];
 var sel=$('package');sel.innerHTML='';sel.appendChild(make('option',{value:'none'},'no policy'));
 Object.keys(current.packages).forEach(function(p){sel.appendChild(make('option',{value:p},p));});
 sel.value=current.default_package||'none';$('days').placeholder=current.days;$('days').max=Math.min(current.days,+$('days').dataset.max);
 $('seed').placeholder=current.seed;$('about').textContent=current.description;showComponents();}
function showComponents(){var box=$('components');box.innerHTML='';var list=current.packages[$('package').value]||[];
 if(!list.length){box.appendChild(make('p',{'class':'note'},'No policy components: the run has no policy.'));return;}
 list.forEach(function(c){var row=make('div',{'class':'component','data-index':c.index});
  var on=make('input',{type:'checkbox','class':'enabled','aria-label':'component '+c.index+' on'});on.checked=true;
  on.addEventListener('change',function(){row.classList.toggle('off',!on.checked);});
  var head=make('label',{});head.appendChild(on);head.appendChild(make('span',{'class':'what'},' '+c.index+'. '+c.type));row.appendChild(head);
  row.appendChild(make('div',{'class':'acts'},c.acts_on.join(', ')));
  var dates=make('div',{});
  dates.appendChild(make('span',{},'from '));var st=make('input',{type:'date',name:'start','data-default':c.start||''});st.value=c.start||'';dates.appendChild(st);
  dates.appendChild(make('span',{},' to '));var en=make('input',{type:'date',name:'end','data-default':c.end||''});en.value=c.end||'';dates.appendChild(en);
  row.appendChild(dates);
  c.strengths.forEach(function(s){var d=make('div',{});d.appendChild(make('span',{title:s.description},s.name.replace(/_/g,' ')+' '));
   var inp=make('input',{type:'number',step:'any','data-strength':s.name,'data-default':s.value===null?'':s.value});
   if(s.minimum!==null)inp.min=s.minimum;if(s.maximum!==null)inp.max=s.maximum;inp.value=s.value===null?'':s.value;d.appendChild(inp);row.appendChild(d);});
  if(c.source)row.title=c.source;box.appendChild(row);});}
function request(){var req={scenario:current.name,package:$('package').value,members:+$('members').value||1};
 if($('seed').value!=='')req.seed=+$('seed').value;if($('days').value!=='')req.days=+$('days').value;
 if($('inflow').value!==''&&+$('inflow').value!==1)req.inflow_factor=+$('inflow').value;
 var comps=[];document.querySelectorAll('#components .component').forEach(function(row){
  var c={index:+row.dataset.index,enabled:row.querySelector('input.enabled').checked};var changed=!c.enabled;
  ['start','end'].forEach(function(k){var i=row.querySelector('input[name='+k+']');if(i.value&&i.value!==i.dataset.default){c[k]=i.value;changed=true;}});
  var st={};row.querySelectorAll('input[data-strength]').forEach(function(i){if(i.value!==''&&+i.value!==+i.dataset.default){st[i.dataset.strength]=+i.value;changed=true;}});
  if(Object.keys(st).length)c.strengths=st;if(changed)comps.push(c);});
 if(comps.length)req.components=comps;return req;}
function start(){var req=request();$('run').disabled=true;say('sending…');$('progress').value=0;
 api('POST','/api/runs',req).then(function(r){follow(r.id);}).catch(function(e){$('run').disabled=false;say(e.message,true);});}
function follow(id){api('GET','/api/runs/'+id).then(function(r){$('progress').value=r.progress;
  if(r.status==='done'){$('run').disabled=false;say('run '+id+' done in '+r.seconds+' s');loadRuns().then(function(){show(id);});}
  else if(r.status==='failed'){$('run').disabled=false;say('run '+id+' failed: '+r.message,true);loadRuns();}
  else{say('run '+id+': '+r.stage+' ('+Math.round(100*r.progress)+'%)');setTimeout(function(){follow(id);},250);}})
 .catch(function(e){$('run').disabled=false;say(e.message,true);});}
function loadRuns(){return api('GET','/api/runs').then(function(list){var body=$('runs').querySelector('tbody');body.innerHTML='';
 list.runs.forEach(function(r,k){var tr=make('tr',{'data-id':r.id,'data-status':r.status});if(r.id===shown)tr.className='shown';
  var a=make('input',{type:'radio',name:'a',value:r.id,'aria-label':'A: '+r.id});var b=make('input',{type:'radio',name:'b',value:r.id,'aria-label':'B: '+r.id});
  if(k===1)a.checked=true;if(k===0)b.checked=true;
  var td=make('td');td.appendChild(a);tr.appendChild(td);td=make('td');td.appendChild(b);tr.appendChild(td);
  tr.appendChild(make('td',{},r.id));var q=r.request;
  tr.appendChild(make('td',{},(q.package||'default')+((q.components||[]).length?' (edited)':'')+(q.members>1?' ×'+q.members:'')));
  tr.appendChild(make('td',{},r.status));var sw=r.summary&&r.summary.totals.southwest_encounters;
  tr.appendChild(make('td',{'class':'n'},sw?fmt(sw.mean):''));
  td=make('td');if(r.status==='done'){var s=make('button',{type:'button','class':'show'},'show');s.addEventListener('click',function(){show(r.id);});td.appendChild(s);
   td.appendChild(make('a',{href:r.links.report,target:'_blank'},' report'));td.appendChild(make('a',{href:r.links.data},' data'));}
  else if(r.message){td.textContent=r.message;}
  tr.appendChild(td);body.appendChild(tr);});});}
function show(id){shown=id;tab('one');$('report').src='/api/runs/'+id+'/report';$('shown-id').textContent=id;
 document.querySelectorAll('#runs tr').forEach(function(tr){tr.classList.toggle('shown',tr.dataset.id===id);});}
function compare(){var a=document.querySelector('input[name=a]:checked');var b=document.querySelector('input[name=b]:checked');
 if(!a||!b){say('pick run A and run B in the list',true);return;}
 api('GET','/api/compare?a='+a.value+'&b='+b.value).then(function(c){$('verdict').textContent=c.verdict;tab('two');
  $('compare-a').src='/api/runs/'+a.value+'/report';$('compare-b').src='/api/runs/'+b.value+'/report';
  $('compare-page').src='/api/compare/page?a='+a.value+'&b='+b.value;}).catch(function(e){say(e.message,true);});}
function tab(which){$('one').hidden=which!=='one';$('two').hidden=which!=='two';
 $('tab-one').classList.toggle('on',which==='one');$('tab-two').classList.toggle('on',which==='two');}
$('scenario').addEventListener('change',pickScenario);$('package').addEventListener('change',showComponents);
$('run').addEventListener('click',start);$('compare').addEventListener('click',compare);
$('tab-one').addEventListener('click',function(){tab('one');});$('tab-two').addEventListener('click',function(){tab('two');});
api('GET','/api/limits').then(function(l){$('members').max=l.max_members;$('days').dataset.max=l.max_days;
 $('limits').textContent='at most '+l.max_days+' days, '+l.max_members+' members, '+l.max_people.toLocaleString('en')+' people a run';})
 .then(loadScenarios).then(loadRuns).then(function(){var first=document.querySelector('#runs tr[data-status=done]');if(first)show(first.dataset.id);})
 .catch(function(e){say(e.message,true);});
})();
"""

_BODY = """
<header><h1>borderflow</h1><span>set policies, run, compare: everything here runs on this machine</span></header>
<div class="wrap">
<div>
<div class="panel">
<div class="row"><label>scenario <select id="scenario"></select></label></div>
<p class="note" id="about"></p>
<div class="row"><label>policy package <select id="package"></select></label></div>
<div id="components"></div>
<div class="row"><label>seed <input id="seed" type="number" min="0" style="width:90px"></label>
<label>days <input id="days" type="number" min="1" data-max="366" style="width:60px"></label>
<label>members <input id="members" type="number" min="1" value="1" style="width:50px"></label></div>
<div class="row"><label>inflow × <input id="inflow" type="number" min="0" step="any" value="1" style="width:60px"></label></div>
<p class="note" id="limits"></p>
<button type="button" id="run">Run</button>
<progress id="progress" max="1" value="0"></progress>
<div id="status" role="status"></div>
</div>
<div class="panel" style="margin-top:12px">
<b>Runs</b> <button type="button" id="compare">compare A and B</button>
<table id="runs"><thead><tr><th>A</th><th>B</th><th>run</th><th>policy</th><th>status</th><th>SW encounters</th><th></th></tr></thead>
<tbody></tbody></table>
</div>
</div>
<div class="panel view">
<div class="tabs"><button type="button" id="tab-one" class="on">run <span id="shown-id"></span></button>
<button type="button" id="tab-two">A and B side by side</button></div>
<div id="one"><iframe id="report" title="the run's report"></iframe></div>
<div id="two" hidden><div id="verdict"></div>
<iframe id="compare-page" title="A and B compared" style="height:520px"></iframe>
<div class="side"><iframe id="compare-a" title="run A"></iframe><iframe id="compare-b" title="run B"></iframe></div></div>
</div>
</div>
"""

PAGE = (
    "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
    '<meta name=viewport content="width=device-width, initial-scale=1">\n'
    f"<title>borderflow</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{_BODY}\n<script>{_JS}</script>\n</body>\n</html>\n"
)
