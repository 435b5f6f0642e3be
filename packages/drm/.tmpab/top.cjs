const fs=require('fs');const d=process.argv[2];
for (const x of fs.readdirSync(d).filter(x=>x.endsWith('.cpuprofile'))) {
const p=JSON.parse(fs.readFileSync(d+'/'+x));
const self=new Map();const idx=new Map(p.nodes.map((n,i)=>[n.id,n]));
const cnt=new Map();for(const s of p.samples){cnt.set(s,(cnt.get(s)||0)+1)}
for(const [id,c] of cnt){const n=idx.get(id);const k=n.callFrame.functionName+' '+n.callFrame.url.split('/').pop();self.set(k,(self.get(k)||0)+c)}
const tot=p.samples.length; const top=[...self].sort((a,b)=>b[1]-a[1]); if (top[0][0].startsWith('(idle)')) continue;
top.slice(0,16).forEach(([k,c])=>console.log((100*c/tot).toFixed(1)+'%',k));}
