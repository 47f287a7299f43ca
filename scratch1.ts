import smpp from 'smpp';
import { SmppClient } from './src/sms/smpp-client.ts';
let enquires = 0;
let answerEnquire = true;
const server = smpp.createServer({}, (session: any) => {
  session.on('error', () => {});
  session.on('bind_transceiver', (pdu: any) => session.send(pdu.response()));
  session.on('enquire_link', (pdu: any) => { enquires++; if (answerEnquire) session.send(pdu.response()); });
  session.on('submit_sm', (pdu: any) => session.send(pdu.response({ message_id: 'x' })));
});
await new Promise<void>((r) => server.listen(4012, '127.0.0.1', () => r()));
const client = await SmppClient.connect({ host: '127.0.0.1', port: 4012, tls: false, systemId: 'a', password: 'b', systemType: '' }, { requestTimeoutMs: 300, enquireLinkIdleMs: 200, onDeliver: async () => 0 });
await new Promise((r) => setTimeout(r, 700));
console.log('enquires after 700ms', enquires, 'bound', client.bound);
answerEnquire = false;
await new Promise((r) => setTimeout(r, 1000));
console.log('enquires', enquires, 'bound after no answer', client.bound);
server.close();
process.exit(0);
