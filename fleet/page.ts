/**
 * The fleet page served at `/`: one self-contained HTML document (no external assets: fleet
 * servers often have no internet). Its script fetches /api/filesystems and /api/agents, shows the
 * counts per state, a sortable and filterable table and the silent agents, and refreshes itself
 * every `refreshMs`. Elements carry ids / data attributes the headless-browser test reads.
 */
export function fleetPage(refreshMs: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fsfault fleet</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
.counts span{display:inline-block;margin-right:1.5em;padding:.4em .8em;border-radius:4px;background:#eee}
.dead{background:#f8d0d0!important}.degraded{background:#fbe9c0!important}.healthy{background:#d8f0d8!important}
table{border-collapse:collapse;margin-top:1em;width:100%}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}
th{cursor:pointer;user-select:none}td.n{text-align:right}#silent li{color:#a00}
</style></head><body>
<h1>fsfault fleet</h1>
<div class="counts"><span class="dead">dead <b id="count-dead">0</b></span><span class="degraded">degraded <b id="count-degraded">0</b></span><span class="healthy">healthy <b id="count-healthy">0</b></span><span>agents <b id="count-agents">0</b></span><span>silent <b id="count-silent">0</b></span></div>
<h2>Silent agents</h2><ul id="silent"></ul>
<h2>Filesystems</h2>
<label>filter <input id="filter" placeholder="host, type, state, errno…"></label>
<label>state <select id="state"><option value="">all</option><option>dead</option><option>degraded</option><option>healthy</option></select></label>
<span id="updated"></span>
<table id="fs"><thead><tr><th data-k="host">host</th><th data-k="type">type</th><th data-k="key">filesystem</th><th data-k="state">state</th><th data-k="errors">errors</th><th data-k="lastErrorText">last error</th><th data-k="since">since</th></tr></thead><tbody></tbody></table>
<script>
var rows=[],agents=[],sortKey='state',sortDir=1;
var rank={dead:0,degraded:1,healthy:2};
function iso(us){return us==null?'':new Date(us/1000).toISOString().replace(/\\.\\d+Z$/,'Z')}
function esc(s){return String(s).replace(/[&<>"]/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]})}
function render(){
  var f=document.getElementById('filter').value.toLowerCase(),st=document.getElementById('state').value;
  var list=rows.filter(function(r){return (!st||r.state===st)&&(!f||[r.host,r.type,r.key,r.state,r.lastErrorText,r.mountPoint||''].join(' ').toLowerCase().indexOf(f)>=0)});
  list.sort(function(a,b){var x=a[sortKey],y=b[sortKey];if(sortKey==='state'){x=rank[x];y=rank[y]}if(x==null)x='';if(y==null)y='';return (x<y?-1:x>y?1:0)*sortDir||(a.host<b.host?-1:a.host>b.host?1:0)});
  document.querySelector('#fs tbody').innerHTML=list.map(function(r){return '<tr class="'+r.state+'" data-host="'+esc(r.host)+'" data-key="'+esc(r.key)+'" data-state="'+r.state+'" data-errors="'+r.errors+'"><td>'+esc(r.host)+'</td><td>'+esc(r.type)+'</td><td>'+esc(r.key)+(r.mountPoint?' ('+esc(r.mountPoint)+')':'')+'</td><td>'+r.state+'</td><td class="n">'+r.errors+'</td><td>'+esc(r.lastErrorText)+'</td><td>'+iso(r.since)+'</td></tr>'}).join('');
}
function load(){
  Promise.all([fetch('api/filesystems').then(function(r){return r.json()}),fetch('api/agents').then(function(r){return r.json()})]).then(function(a){
    rows=a[0].filesystems.map(function(r){r.lastErrorText=r.lastError?iso(r.lastError.time)+' '+(r.lastError.errnoName||r.lastError.errno||''):'';return r});
    agents=a[1].agents;
    ['dead','degraded','healthy'].forEach(function(s){document.getElementById('count-'+s).textContent=a[0].counts[s]});
    document.getElementById('count-agents').textContent=agents.length;
    var silent=agents.filter(function(x){return x.status==='silent'});
    document.getElementById('count-silent').textContent=silent.length;
    document.getElementById('silent').innerHTML=silent.map(function(x){return '<li data-host="'+esc(x.host)+'">'+esc(x.host)+' — last heartbeat '+iso(x.heartbeatTime)+'</li>'}).join('');
    document.getElementById('updated').textContent='updated '+new Date().toISOString();
    document.body.setAttribute('data-loaded','1');
    render();
  }).catch(function(e){document.getElementById('updated').textContent='refresh failed: '+e});
}
document.querySelectorAll('th').forEach(function(th){th.onclick=function(){var k=th.getAttribute('data-k');sortDir=k===sortKey?-sortDir:1;sortKey=k;render()}});
document.getElementById('filter').oninput=render;document.getElementById('state').onchange=render;
load();setInterval(load,${Math.max(500, refreshMs)});
</script></body></html>
`;
}
