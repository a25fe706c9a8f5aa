import { defineConfig } from 'vitepress';

// The SDK's API reference is typedoc HTML written into the built site under /api/ by
// scripts/build.mjs, after vitepress: links to it leave the vitepress router (target _self).
export default defineConfig({
  title: 'Kestrel',
  description: 'An open exchange protocol: signed orders, one deterministic matching core, batch settlement on an EVM contract.',
  lang: 'en-US',
  cleanUrls: false,
  lastUpdated: false,
  ignoreDeadLinks: [/^\/api\//],
  head: [['meta', { name: 'theme-color', content: '#3c6e71' }]],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Node API', link: '/guide/api' },
      { text: 'Specification', link: '/spec/' },
      { text: 'SDK reference', link: '/api/index.html', target: '_self' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Concepts', link: '/guide/concepts' },
          { text: 'Risk and de-risking', link: '/guide/risk' },
          { text: 'Using the SDK', link: '/guide/sdk' },
          { text: 'Node API (v1)', link: '/guide/api' },
          { text: 'Running a node', link: '/guide/node' },
          { text: 'A network on MegaETH', link: '/guide/megaeth' },
          { text: 'Security: who can do what', link: '/guide/security' },
          { text: 'Leaving a stalled exchange', link: '/guide/escape' },
        ],
      },
      {
        text: 'Protocol specification',
        items: [
          { text: 'Overview', link: '/spec/' },
          { text: 'Numbers', link: '/spec/numbers' },
          { text: 'Assets, markets, accounts', link: '/spec/accounts' },
          { text: 'Orders and signing', link: '/spec/orders' },
          { text: 'Matching', link: '/spec/matching' },
          { text: 'Lending', link: '/spec/lending' },
          { text: 'Perpetuals', link: '/spec/perps' },
          { text: 'Portfolio risk', link: '/spec/risk' },
          { text: 'De-risking', link: '/spec/de-risking' },
          { text: 'Contracts', link: '/spec/contracts' },
          { text: 'Node', link: '/spec/node' },
          { text: 'Node API', link: '/spec/api' },
          { text: 'Testing', link: '/spec/testing' },
        ],
      },
      {
        text: 'Reference',
        items: [{ text: 'SDK API reference', link: '/api/index.html', target: '_self' }],
      },
    ],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'Released under the MIT License.' },
  },
});
