import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { startApp } from './client/startup';
import './ui/styles.css';

const query = new URLSearchParams(window.location.search);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void startApp({
  preset: query.get('preset'),
  backend: query.get('backend'),
  view: query.get('view'),
  bench: query.get('bench'),
  testHold: query.get('testHold'),
});
